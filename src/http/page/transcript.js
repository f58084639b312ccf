// Transcript lines as the text transcript shows them (C: / S: / --), marked for colour.
import { el } from './dom.js';

export function describe(e) {
  switch (e.type) {
    case 'session-open':
      return `-- ${e.proto} session ${e.sid} on ${e.listener} (port ${e.localPort}, ${e.tls}) from ${e.remoteAddress}:${e.remotePort}`;
    case 'client-line':
      return `C: ${e.line}`;
    case 'server-line':
      return `S: ${e.line}`;
    case 'tls-upgraded':
      return `-- TLS ${e.how === 'implicit' ? 'established' : 'upgraded (STARTTLS)'}: ${e.protocol} ${e.cipher}`;
    case 'auth':
      return `-- AUTH ${e.mechanism} user ${JSON.stringify(e.username)}: ${e.ok ? 'accepted' : 'rejected'}`;
    case 'message-stored':
      return `-- message ${e.id} stored (${e.size} bytes) from <${e.from}> to ${e.recipients.map((r) => `<${r}>`).join(', ')}`;
    case 'scenario-action':
      return `-- scenario rule ${e.rule}: ${e.action}`;
    case 'note':
      return `-- ${e.level}: ${e.text}`;
    case 'session-close':
      return `-- session closed: ${e.reason} (${(e.durationMs / 1000).toFixed(3)} s)`;
    case 'finding':
      return `-- finding ${e.severity} ${e.id} (line ${e.line}): ${e.message}`;
    default:
      return `-- ${e.type}`;
  }
}

function failed(e) {
  if (e.type === 'auth') return !e.ok;
  if (e.type === 'note') return e.level !== 'info';
  if (e.type === 'finding') return e.severity !== 'info';
  if (e.type !== 'server-line') return false;
  if (e.proto === 'smtp') return /^[45]\d\d/.test(e.line);
  if (e.proto === 'pop3') return e.line.startsWith('-ERR');
  return /^\S+ (NO|BAD)\b/i.test(e.line) && !e.line.startsWith('* ');
}

export function lineNode(e) {
  const kind =
    e.type === 'client-line'
      ? 'client'
      : e.type === 'server-line'
        ? 'server'
        : e.type === 'note'
          ? 'note'
          : 'meta';
  const time = new Date(e.time).toISOString().slice(11, 23);
  const line = el('div', { className: failed(e) ? 'fail' : kind, text: `${time} ${describe(e)}` });
  if (e.decoded) line.append(el('span', { className: 'decoded', text: `    [decoded: ${e.decoded}]` }));
  return line;
}
