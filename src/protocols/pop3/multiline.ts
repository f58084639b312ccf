/**
 * RFC 1939 §3 multi-line responses: every line ends in CRLF, a line that starts with `.` gets one more
 * `.` in front (dot-stuffing), and `.` CRLF alone ends the response. Messages are stored as they
 * arrived, so a message with bare LF line ends is sent with CRLF; sizes count the octets as sent
 * (CRLF line ends, without the stuffing dots), which is what RFC 1939 §5 LIST means by exact size.
 */
const CR = 13;
const LF = 10;
const DOT = 46;

export const TERMINATOR = Buffer.from('.\r\n');

/** Octets of `raw` once every line ends in CRLF (a missing final line end counts as CRLF too). */
export function crlfSize(raw: Buffer): number {
  let size = raw.length;
  let from = 0;
  for (;;) {
    const lf = raw.indexOf(LF, from);
    if (lf === -1) break;
    if (lf === 0 || raw[lf - 1] !== CR) size++;
    from = lf + 1;
  }
  if (raw.length > 0 && raw[raw.length - 1] !== LF) size += 2;
  return size;
}

const LF_DOT = Buffer.from('\n.');

/**
 * True when `raw` can go on the wire as it is: CRLF everywhere, ends in CRLF, no line starts with `.`.
 * `crlfOctets`, when the caller knows crlfSize(raw) (RETR: the size LIST reported), saves the walk
 * over every line: equal to raw.length means every line already ends in CRLF, and one search for
 * LF `.` finds any line to stuff.
 */
function isWireReady(raw: Buffer, crlfOctets?: number): boolean {
  if (raw.length === 0) return true;
  if (raw[raw.length - 1] !== LF) return false;
  if (raw[0] === DOT) return false;
  if (crlfOctets === raw.length) return raw.indexOf(LF_DOT) === -1;
  let from = 0;
  for (;;) {
    const lf = raw.indexOf(LF, from);
    if (lf === -1) return true;
    if (lf === 0 || raw[lf - 1] !== CR) return false;
    if (lf + 1 < raw.length && raw[lf + 1] === DOT) return false;
    from = lf + 1;
  }
}

/**
 * The body of a multi-line response for `raw` (without the terminating `.` line): CRLF line ends,
 * dot-stuffed, ending in CRLF. Returns `raw` itself when nothing needs to change (the common case),
 * so a large message is never copied for nothing.
 */
export function dotStuff(raw: Buffer, crlfOctets?: number): Buffer {
  if (isWireReady(raw, crlfOctets)) return raw;
  // Worst case: every line is one `.` followed by LF → 4 octets out per 2 in, plus a final CRLF.
  const out = Buffer.allocUnsafe(raw.length * 2 + 2);
  let written = 0;
  let start = 0;
  while (start < raw.length) {
    let lf = raw.indexOf(LF, start);
    const last = lf === -1;
    if (last) lf = raw.length;
    let end = lf;
    if (!last && end > start && raw[end - 1] === CR) end--;
    if (raw[start] === DOT) out[written++] = DOT;
    written += raw.copy(out, written, start, end);
    out[written++] = CR;
    out[written++] = LF;
    start = lf + 1;
  }
  return out.subarray(0, written);
}

/**
 * RFC 1939 §7 TOP: the header, the blank line after it, and the first `bodyLines` lines of the body,
 * with CRLF line ends (not yet dot-stuffed). A message without a blank line is all header.
 */
export function topOf(raw: Buffer, bodyLines: number): Buffer {
  let pos = 0;
  let inBody = false;
  let taken = 0;
  while (pos < raw.length) {
    if (inBody && taken >= bodyLines) break;
    const lf = raw.indexOf(LF, pos);
    const next = lf === -1 ? raw.length : lf + 1;
    const lineEnd = lf === -1 ? raw.length : lf > pos && raw[lf - 1] === CR ? lf - 1 : lf;
    if (inBody) taken++;
    else if (lineEnd === pos) inBody = true;
    pos = next;
  }
  return raw.subarray(0, pos);
}

/** A multi-line text response (CAPA, LIST, UIDL): first line, the lines, the terminator, as one string. */
export function textResponse(first: string, lines: readonly string[]): string {
  const out = [first];
  for (const line of lines) out.push(line.charCodeAt(0) === DOT ? '.' + line : line);
  out.push('.', '');
  return out.join('\r\n');
}
