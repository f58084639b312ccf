import type { Exchange, ReplayMail } from './exchanges.js';

/** A literal the client sent, as IMAP transcripts show it: `{561 bytes literal} "From: …"`. */
export const LITERAL_SUMMARY = /^\{(\d+) bytes literal\}(?: (".*"))?$/;
/** A literal in a server response line, as IMAP transcripts show it: `{561} <561 bytes: "From: …">`. */
export const SERVER_LITERAL = /\{(\d+)\} <\d+ bytes(?:: ("(?:[^"\\]|\\.)*"))?>/g;
/** `<message body: 240 bytes>` (SMTP and POP3 transcripts). */
export const BODY_SUMMARY = /^<message body: (\d+) bytes>$/;

function unquoteMailbox(arg: string): string {
  const word = arg.trim();
  return word.startsWith('"') ? (JSON.parse(word) as string) : word.split(' ')[0]!;
}

function preview(quoted: string | undefined): string {
  if (!quoted) return '';
  try {
    return (JSON.parse(quoted) as string).split(/\r?\n/)[0]!;
  } catch {
    return '';
  }
}

/**
 * The messages an IMAP recording shows: after SELECT/EXAMINE, `* n EXISTS` gives how many there are,
 * `[UIDVALIDITY v]` the folder's validity, and each `* n FETCH (…)` the UID, FLAGS, RFC822.SIZE or
 * literal size (and first line) of message n. Messages the recording counted but never fetched are
 * seeded with the next free UID and a small size.
 */
export function imapMail(exchanges: Exchange[]): ReplayMail[] {
  const folders = new Map<
    string,
    { uidValidity?: number; exists: number; bySeq: Map<number, Partial<ReplayMail>> }
  >();
  let folder: ReturnType<typeof folders.get> = undefined;
  for (const ex of exchanges) {
    if (ex.command === 'SELECT' || ex.command === 'EXAMINE') {
      const name = unquoteMailbox(ex.args);
      const key = name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
      folder = folders.get(key) ?? { exists: 0, bySeq: new Map() };
      folders.set(key, folder);
    }
    if (!folder) continue;
    let fetch: Partial<ReplayMail> | null = null;
    for (const line of ex.reply) {
      const exists = /^\* (\d+) EXISTS/i.exec(line);
      if (exists) folder.exists = Number(exists[1]);
      const validity = /\[UIDVALIDITY (\d+)\]/i.exec(line);
      if (validity) folder.uidValidity = Number(validity[1]);
      const start = /^\* (\d+) FETCH \(/i.exec(line);
      if (start) {
        const seq = Number(start[1]);
        fetch = folder.bySeq.get(seq) ?? {};
        folder.bySeq.set(seq, fetch);
      } else if (line.startsWith('* ') || /^\S+ (OK|NO|BAD)\b/.test(line)) fetch = null;
      if (!fetch) continue;
      const uid = /\bUID (\d+)/i.exec(line);
      if (uid) fetch.uid = Number(uid[1]);
      const flags = /\bFLAGS \(([^)]*)\)/i.exec(line);
      if (flags) fetch.flags = flags[1]!.split(' ').filter((f) => f && f !== '\\Recent');
      const size = /\bRFC822\.SIZE (\d+)/i.exec(line);
      if (size) fetch.size = Number(size[1]);
      const whole = /\b(?:BODY\[\]|RFC822|BINARY\[\]) \{(\d+)\} <\d+ bytes(?:: ("(?:[^"\\]|\\.)*"))?>/i.exec(
        line,
      );
      if (whole) {
        fetch.size ??= Number(whole[1]);
        fetch.first ||= preview(whole[2]);
      }
    }
  }
  const mail: ReplayMail[] = [];
  for (const [name, f] of folders) {
    let nextUid = 1;
    const count = Math.max(f.exists, ...f.bySeq.keys(), 0);
    for (let seq = 1; seq <= count; seq++) {
      const m = f.bySeq.get(seq) ?? {};
      const uid = m.uid ?? nextUid;
      nextUid = uid + 1;
      mail.push({
        folder: name,
        uid,
        flags: m.flags ?? [],
        size: m.size ?? 64,
        first: m.first ?? '',
        ...(f.uidValidity !== undefined && seq === 1 ? { uidValidity: f.uidValidity } : {}),
      });
    }
  }
  return mail;
}

/** The maildrop a POP3 recording shows: the count from STAT / the PASS reply, sizes from LIST and RETR. */
export function pop3Mail(exchanges: Exchange[]): ReplayMail[] {
  let count = 0;
  const sizes = new Map<number, number>();
  const first = new Map<number, string>();
  for (const ex of exchanges) {
    const status = ex.reply[0] ?? '';
    const total = /^\+OK (\d+) (?:messages?\b|\d+)/i.exec(status);
    if (total && ['STAT', 'PASS', 'APOP', 'AUTH', 'AUTH-RESPONSE'].includes(ex.command))
      count = Number(total[1]);
    if (ex.command === 'LIST' && !ex.args.trim())
      for (const line of ex.reply.slice(1)) {
        const m = /^(\d+) (\d+)$/.exec(line);
        if (m) sizes.set(Number(m[1]), Number(m[2]));
      }
    if (ex.command === 'RETR' && status.startsWith('+OK')) {
      const n = Number(ex.args.trim());
      const body = ex.reply.slice(1, -1);
      const summary = BODY_SUMMARY.exec(body[0] ?? '');
      if (summary) sizes.set(n, sizes.get(n) ?? Number(summary[1]));
      else if (body.length) {
        sizes.set(n, sizes.get(n) ?? body.reduce((s, l) => s + Buffer.byteLength(l) + 2, 0));
        first.set(n, body[0]!);
      }
    }
  }
  count = Math.max(count, ...sizes.keys(), 0);
  return Array.from({ length: count }, (_, i) => ({
    folder: 'INBOX',
    uid: i + 1,
    flags: [],
    size: sizes.get(i + 1) ?? 64,
    first: first.get(i + 1) ?? '',
  }));
}

/**
 * A stand-in message of exactly `size` bytes (CRLF lines) starting with `first`: what a replay has when
 * the recording showed a message's size and first line but not its bytes.
 */
export function standIn(size: number, first: string): Buffer {
  // ASCII only: the stand-in must be exactly `size` bytes on the wire.
  const head =
    first && first.includes(':') ? first.replace(/[^\x20-\x7e]/g, '?') : 'Subject: replayed message';
  let text = `${head}\r\nX-Replay: stand-in of ${size} bytes\r\n\r\n`;
  if (text.length > size) return Buffer.from(text.slice(0, size), 'latin1');
  while (text.length < size) {
    const room = size - text.length;
    text += room <= 2 ? '\r\n'.slice(2 - room) : 'x'.repeat(Math.min(room - 2, 76)) + '\r\n';
  }
  return Buffer.from(text, 'latin1');
}
