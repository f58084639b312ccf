/**
 * Mailbox names on the wire (RFC 3501 §5.1.3, RFC 6855 §3): the store keeps names in Unicode; a client
 * sends and sees them in modified UTF-7 (`Entw&APw-rfe`) until it enabled UTF8=ACCEPT, in UTF-8 after.
 */
import { no } from './errors.js';
import type { ImapSession } from './session.js';

const utf8Sessions = new WeakSet<ImapSession>();

/** ENABLE UTF8=ACCEPT ran in this session (RFC 6855 §3). */
export function utf8Accepted(imap: ImapSession): boolean {
  return utf8Sessions.has(imap);
}

export function acceptUtf8(imap: ImapSession): void {
  utf8Sessions.add(imap);
}

/** `&Jjo-` → `☺`, `&-` → `&`; null when the name is not valid modified UTF-7 (RFC 3501 §5.1.3). */
export function decodeMutf7(name: string): string | null {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null; // 8-bit or control: not mUTF-7
    if (c !== 0x26 /* & */) {
      out += name[i++];
      continue;
    }
    const end = name.indexOf('-', i + 1);
    if (end < 0) return null;
    const encoded = name.slice(i + 1, end);
    i = end + 1;
    if (encoded === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(encoded)) return null;
    const bytes = Buffer.from(encoded.replace(/,/g, '/'), 'base64');
    // Whole UTF-16 code units, no padding bits set (a strict reading keeps one spelling per name).
    if (bytes.length % 2 !== 0 || bytes.length === 0) return null;
    let text = '';
    for (let b = 0; b < bytes.length; b += 2) text += String.fromCharCode(bytes.readUInt16BE(b));
    // A shift that encodes printable ASCII is not canonical mUTF-7 (§5.1.3: those chars represent themselves).
    if ([...text].some((ch) => ch >= ' ' && ch <= '~') || encodeMutf7(text) !== `&${encoded}-`) return null;
    out += text;
  }
  return out;
}

/** `Entwürfe` → `Entw&APw-rfe`. */
export function encodeMutf7(name: string): string {
  let out = '';
  let run = '';
  const flush = () => {
    if (!run) return;
    const bytes = Buffer.alloc(run.length * 2);
    for (let k = 0; k < run.length; k++) bytes.writeUInt16BE(run.charCodeAt(k), k * 2);
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    run = '';
  };
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else run += ch;
  }
  flush();
  return out;
}

/** A mailbox name (or LIST pattern) as the client sent it → the store's Unicode name. Before UTF8=ACCEPT
 *  a name in 8-bit UTF-8 is taken as it is (clients that never heard of mUTF-7 send it so). */
export function mailboxFromClient(imap: ImapSession, wire: string, pattern = false): string {
  if (utf8Accepted(imap) || !wire.includes('&')) return wire;
  const decoded = decodeMutf7(wire);
  // A LIST pattern that is no valid mUTF-7 simply matches nothing: no error for a pattern.
  if (decoded === null && pattern) return wire;
  if (decoded === null)
    throw no(`mailbox name ${JSON.stringify(wire)} is not valid modified UTF-7 (RFC 3501 §5.1.3)`);
  return decoded;
}

/** The store's name → what this client reads: mUTF-7, or UTF-8 after ENABLE UTF8=ACCEPT. */
export function mailboxToClient(imap: ImapSession, name: string): string {
  return utf8Accepted(imap) ? name : encodeMutf7(name);
}
