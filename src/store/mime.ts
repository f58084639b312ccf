/**
 * The protocol-neutral MIME side of a stored message: its tree of byte ranges (store/mime/tree.ts),
 * parsed once and cached per raw Buffer, so FETCH over a large mailbox parses each message once; the
 * bytes of a section (RFC 3501 §6.4.5 names them) and the decoded text SEARCH needs. IMAP's own
 * structures (ENVELOPE, BODYSTRUCTURE) are built from this tree in protocols/imap/mime/.
 */
import { sectionBytes, type SectionKind } from './mime/section.js';
import { decodedBodyText, decodedHeaderValues } from './mime/text.js';
import { parseTree, type MimePart } from './mime/tree.js';

export type { MimePart } from './mime/tree.js';

// Only the tree is kept: it is a few small objects per MIME part, while the ENVELOPE and BODYSTRUCTURE
// values are dozens of arrays and strings per message. Keeping those for a whole mailbox doubled the
// garbage collector's work on the first FETCH; building them again from the tree costs microseconds.
const cache = new WeakMap<Buffer, MimePart>();

/** The parsed MIME tree of a message, parsed on first use and cached for as long as the Buffer lives. */
export function mimeTree(raw: Buffer): MimePart {
  let tree = cache.get(raw);
  if (!tree) cache.set(raw, (tree = parseTree(raw)));
  return tree;
}

export type SectionSpec = {
  /** [] = the whole message; [1, 2] = part 1.2 */
  part: number[];
  kind: SectionKind;
  /** For HEADER.FIELDS(.NOT), upper or lower case as the client sent them. */
  fields?: string[];
};

/** The exact bytes of BODY[section] (RFC 3501 §6.4.5), or null when the part does not exist.
 *  HEADER/HEADER.FIELDS include the blank line that ends the header. Part [n] of a non-multipart message:
 *  part 1 is the body itself. For a message/rfc822 part, HEADER/TEXT refer to the encapsulated message;
 *  MIME is the part's own MIME header. HEADER/TEXT of a part that is not message/rfc822 are empty
 *  (Dovecot). Dovecot answers a missing part with an empty string: send `""` (or `{0}`) for null. */
export function bodySection(raw: Buffer, section: SectionSpec): Buffer | null {
  // BODY[]: the whole message needs no tree (a body read again from disk would be parsed again).
  if (section.part.length === 0 && section.kind === 'full') return raw;
  return sectionBytes(raw, mimeTree(raw), section.part, section.kind, section.fields);
}

/** Header values for SEARCH (HEADER, FROM, TO, CC, BCC, SUBJECT): all values of that field, unfolded and
 *  with RFC 2047 encoded-words DECODED to Unicode. */
export function headerValues(raw: Buffer, field: string): string[] {
  return decodedHeaderValues(raw, mimeTree(raw).header, field.toLowerCase());
}

/** The decoded text of all text/* parts (transfer encoding and charset undone), for SEARCH BODY/TEXT. */
export function bodyText(raw: Buffer): string {
  return decodedBodyText(raw, mimeTree(raw));
}
