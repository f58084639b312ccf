/**
 * BODY[section] bytes (RFC 3501 §6.4.5) cut from the message buffer, with Dovecot's reading of the
 * corner cases: part 1 of a non-multipart entity is the entity itself (so [1], [1.1]… of a plain
 * message are its body and [1.MIME] its header); HEADER and TEXT of a part that is not message/rfc822
 * are empty.
 */
import { headerFields, type HeaderBlock } from './header.js';
import type { MimePart } from './tree.js';

export type SectionKind = 'full' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/**
 * A part reached by a section path: a message (the root or an encapsulated one) whose parts are next, a
 * body part that can still be descended into, or a part reached as "part 1 of itself", which ends the path.
 * Dovecot allows that one step only: [1] of a plain message is its body, [1.1] is nothing; [n.1] of a
 * leaf part is the leaf, [n.1.1] is nothing.
 */
interface Located {
  part: MimePart;
  role: 'message' | 'part' | 'self';
}

function child(at: Located, n: number): Located | null {
  const { part, role } = at;
  if (role === 'self') return null;
  if (part.mediaType === 'multipart') {
    const next = part.children[n - 1];
    return next ? { part: next, role: 'part' } : null;
  }
  if (role === 'part' && part.message !== null) {
    // RFC 3501 §6.4.5: the parts of a message/rfc822 part are those of the message it encapsulates.
    return child({ part: part.message, role: 'message' }, n);
  }
  if (n !== 1) return null;
  // A non-multipart entity has exactly one part: itself (a message/rfc822 body can still be entered).
  return { part, role: role === 'message' && part.message !== null ? 'part' : 'self' };
}

function locate(root: MimePart, path: number[]): Located | null {
  let at: Located | null = { part: root, role: 'message' };
  for (const n of path) {
    if (!Number.isInteger(n) || n < 1) return null;
    at = child(at, n);
    if (at === null) return null;
  }
  return at;
}

/** The part a section path such as [1, 2] names (as BODY[1.2] reads it), or null when there is none. */
export function partAt(root: MimePart, path: number[]): MimePart | null {
  return locate(root, path)?.part ?? null;
}

/** The message a HEADER/TEXT section refers to: the root for [], the encapsulated message of a message/rfc822 part. */
function messageOf(at: Located): MimePart | null {
  return at.role === 'message' ? at.part : at.part.message;
}

/** HEADER.FIELDS: the named fields, each with its line ending, and a blank line (RFC 3501 §6.4.5). */
function selectFields(raw: Buffer, header: HeaderBlock, names: string[]): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const chunks: Buffer[] = [];
  const eol = Buffer.from(header.eol, 'latin1');
  for (const field of headerFields(raw, header)) {
    if (field.key === '' || !wanted.has(field.key)) continue;
    const bytes = raw.subarray(field.start, field.end);
    chunks.push(bytes);
    // the last field of a header without a final line ending still gets one before the blank line
    if (bytes[bytes.length - 1] !== 0x0a) chunks.push(eol);
  }
  chunks.push(eol);
  return Buffer.concat(chunks);
}

/**
 * HEADER.FIELDS.NOT: the header as it is, less the named fields, as Dovecot cuts it: lines that are no
 * field stay, and the blank line is the header's own (none when the header has none).
 */
function dropFields(raw: Buffer, header: HeaderBlock, names: string[]): Buffer {
  const unwanted = new Set(names.map((n) => n.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const field of headerFields(raw, header)) {
    if (!unwanted.has(field.key) || field.key === '') chunks.push(raw.subarray(field.start, field.end));
  }
  if (header.blankLine !== null && header.blankLine < header.end) {
    chunks.push(raw.subarray(header.blankLine, header.end));
  } else if (header.start === header.end) {
    // an empty header still ends: Dovecot answers a lone blank line
    chunks.push(Buffer.from(header.eol, 'latin1'));
  }
  return Buffer.concat(chunks);
}

/**
 * The bytes of a header block for HEADER and MIME. A header directly followed by a delimiter gives up
 * its last line ending to that delimiter (RFC 2046 §5.1.1), as Dovecot hands it out.
 */
function headerBytes(raw: Buffer, header: HeaderBlock): Buffer {
  let end = header.end;
  if (header.delimiterFollows && end > header.start && raw[end - 1] === 0x0a) {
    end--;
    if (end > header.start && raw[end - 1] === 0x0d) end--;
  }
  return raw.subarray(header.start, end);
}

export function sectionBytes(
  raw: Buffer,
  root: MimePart,
  path: number[],
  kind: SectionKind,
  fields: string[] | undefined,
): Buffer | null {
  const at = locate(root, path);
  if (at === null) return null;
  switch (kind) {
    case 'full':
      return path.length === 0 ? raw : raw.subarray(at.part.bodyStart, at.part.bodyEnd);
    case 'MIME':
      // RFC 3501 §6.4.5: MIME is the header of a body part; there is none for the whole message.
      if (path.length === 0) return null;
      return headerBytes(raw, at.part.header);
    case 'HEADER':
    case 'TEXT':
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      const message = messageOf(at);
      if (message === null) return Buffer.alloc(0);
      if (kind === 'HEADER') return headerBytes(raw, message.header);
      if (kind === 'TEXT') return raw.subarray(message.bodyStart, message.bodyEnd);
      if (kind === 'HEADER.FIELDS') return selectFields(raw, message.header, fields ?? []);
      return dropFields(raw, message.header, fields ?? []);
    }
  }
}
