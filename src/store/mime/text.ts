/**
 * Decoded text for SEARCH (RFC 3501 §6.4.4): header values with RFC 2047 encoded-words decoded, and the
 * text/* parts with their transfer encoding (RFC 2045 §6) and charset undone. Decoding is libmime's
 * (the MIME library under nodemailer/mailparser), so charsets resolve as they do there.
 */
import { Libmime } from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import libqp from 'libqp';
import {
  fieldsNamed,
  firstValid,
  headerFields,
  unfoldedValue,
  type HeaderBlock,
  type HeaderField,
} from './header.js';
import type { MimePart } from './tree.js';
import { parseEncoding } from './content-header.js';

const libmime = new Libmime();

/** Raw header bytes as text: UTF-8 when they are valid UTF-8 (RFC 6532), else one char per byte. */
function headerText(latin1: string): string {
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\ufffd') ? latin1 : utf8;
}

function decodeWords(text: string): string {
  try {
    return libmime.decodeWords(text);
  } catch {
    // an unknown charset in an encoded-word: leave the text as it is rather than fail the search
    return text;
  }
}

export function decodedHeaderValues(raw: Buffer, header: HeaderBlock, key: string): string[] {
  return fieldsNamed(headerFields(raw, header), key).map((field) => decodedFieldValue(raw, field));
}

/** One field's value, unfolded, with its encoded-words decoded (the HTTP API's header list). */
export function decodedFieldValue(raw: Buffer, field: HeaderField): string {
  return decodeWords(headerText(unfoldedValue(raw, field)));
}

/** A leaf part's body with its Content-Transfer-Encoding undone (RFC 2045 §6). */
export function transferDecode(raw: Buffer, part: MimePart): Buffer {
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  // a non-MIME message has no transfer encoding (RFC 2045 §4), whatever its header says
  const fields = part.isMime ? headerFields(raw, part.header) : [];
  const encoding = firstValid(raw, fields, 'content-transfer-encoding', parseEncoding)?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  if (encoding === 'quoted-printable') return libqp.decode(body.toString('latin1'));
  return body;
}

function charsetOf(part: MimePart): string {
  const param = part.contentType?.params.find(([name]) => name.toLowerCase() === 'charset');
  return param ? param[1] : 'us-ascii';
}

function collectText(raw: Buffer, part: MimePart, out: string[]): void {
  if (part.children.length) {
    for (const child of part.children) collectText(raw, child, out);
  } else if (part.message) {
    collectText(raw, part.message, out);
  } else if (part.mediaType === 'text') {
    const bytes = transferDecode(raw, part);
    try {
      out.push(decodeCharset(bytes, charsetOf(part)));
    } catch {
      out.push(bytes.toString('latin1'));
    }
  }
}

export function decodedBodyText(raw: Buffer, root: MimePart): string {
  const out: string[] = [];
  collectText(raw, root, out);
  return out.join('\n');
}
