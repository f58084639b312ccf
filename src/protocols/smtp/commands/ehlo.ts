import type { ReplyEdit } from '../commands.js';

/**
 * smtp-server's 250 to EHLO with the keywords the scenario wants (RFC 5321 §4.1.1.1): the AUTH line
 * from the auth policy (RFC 4954 §3; none once authenticated), STARTTLS hidden, SIZE set, keywords
 * removed and added.
 */
export const ehloReply: ReplyEdit = (conv, code, lines) => {
  if (code !== 250 || lines.length < 2) return lines;
  const section = conv.section;
  const policy = conv.authPolicy();
  const remove = new Set((section?.capabilities?.remove ?? []).map((c) => c.split(' ')[0]!.toUpperCase()));
  const out: string[] = [lines[0]!];
  let authAt = -1;
  for (const keyword of lines.slice(1)) {
    const word = keyword.split(' ')[0]!.toUpperCase();
    if (word === 'AUTH') authAt = out.length;
    if (remove.has(word) || word === 'AUTH') continue;
    if (word === 'STARTTLS' && section?.starttls === 'hide') continue;
    if (word === 'SIZE' && section?.size) {
      out.push(`SIZE ${section.size}`);
      continue;
    }
    out.push(keyword);
  }
  if (policy.advertised.length && !conv.connection.session.user && !remove.has('AUTH'))
    out.splice(authAt >= 0 ? authAt : out.length, 0, `AUTH ${policy.advertised.join(' ')}`);
  out.push(...(section?.capabilities?.add ?? []));
  return out;
};
