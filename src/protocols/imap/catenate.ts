/**
 * CATENATE (RFC 4469): a message put together from literal TEXT parts and URL parts naming a message
 * (or a section of one) already in this user's mailboxes, in the IMAP URL form of RFC 5092
 * (`/Drafts;UIDVALIDITY=385759045/;UID=20/;SECTION=1.MIME`).
 */
import { bodySection, type SectionSpec } from '../../store/mime.js';
import type { SectionKind } from '../../store/mime/section.js';
import { bad, no } from './errors.js';
import { mailboxFromClient } from './mailbox-encoding.js';
import { mailboxName } from './commands/mailbox-names.js';
import { astring } from './parser/args.js';
import type { Token } from './parser/tokenizer.js';
import type { ImapSession } from './session.js';

const URL_FORM =
  /^(?:imap:\/\/[^/]*)?\/([^;/][^;]*?)(?:;UIDVALIDITY=(\d+))?\/;UID=(\d+)(?:\/;SECTION=([^/]+))?(?:\/;PARTIAL=(\d+)(?:\.(\d+))?)?$/i;

/** `1.2.MIME` → part [1, 2], kind MIME; null when it is no section RFC 4469 can use. */
function sectionSpec(text: string | undefined): SectionSpec | null {
  if (text === undefined) return { part: [], kind: 'full' };
  const m = /^((?:\d+\.)*\d+)?(?:\.?(HEADER|TEXT|MIME))?$/i.exec(text);
  if (!m || (!m[1] && !m[2])) return null;
  const part = m[1] ? m[1].split('.').map(Number) : [];
  const kind = (m[2]?.toUpperCase() ?? 'full') as SectionKind;
  if (kind === 'MIME' && part.length === 0) return null;
  return { part, kind };
}

/** The bytes one URL names, or NO [BADURL url] (RFC 4469 §5). */
async function urlBytes(imap: ImapSession, url: string): Promise<Buffer> {
  const badUrl = () => no(`${url} names no message here`, `BADURL ${JSON.stringify(url)}`);
  const m = URL_FORM.exec(url);
  if (!m) throw badUrl();
  let name: string;
  try {
    name = mailboxName(mailboxFromClient(imap, decodeURIComponent(m[1]!)));
  } catch {
    throw badUrl();
  }
  const folder = await imap.ctx.store.folder(imap.account.drop, name);
  if (!folder || (m[2] !== undefined && Number(m[2]) !== folder.uidValidity)) throw badUrl();
  const message = folder.messages.find((msg) => msg.uid === Number(m[3]));
  const section = sectionSpec(m[4]);
  if (!message || !section) throw badUrl();
  const bytes = bodySection(message.raw, section);
  if (!bytes) throw badUrl();
  if (m[5] === undefined) return bytes;
  const start = Number(m[5]);
  return bytes.subarray(start, m[6] === undefined ? undefined : start + Number(m[6]));
}

/** The message of `CATENATE (TEXT {n} ... URL "..." ...)`. */
export async function catenate(imap: ImapSession, parts: Token[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const kind = parts[i]?.type === 'atom' ? (parts[i] as { value: string }).value.toUpperCase() : '';
    const value = parts[i + 1];
    if (kind === 'TEXT' && value?.type === 'string' && value.literal) chunks.push(Buffer.from(value.value));
    else if (kind === 'URL') chunks.push(await urlBytes(imap, astring(value, 'a URL')));
    else throw bad('CATENATE takes TEXT literals and URL strings');
    size += chunks[chunks.length - 1]!.length;
    // RFC 4469 §5: the result is held to the same limit as an appended message.
    if (size > imap.ctx.limits.maxMessageBytes) throw no('catenated message is too big', 'TOOBIG');
  }
  if (chunks.length === 0) throw bad('CATENATE needs at least one part');
  return Buffer.concat(chunks);
}
