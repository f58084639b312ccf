/**
 * A stored message as the API shows it: a summary for lists, the full view (envelope, decoded header
 * fields, MIME tree numbered as IMAP numbers sections, RFC 3501 §6.4.5) and one part's decoded body.
 */
import { mimeTree, type MimePart } from '../store/mime.js';
import { parseContentValue } from '../store/mime/content-header.js';
import { firstValid, headerFields } from '../store/mime/header.js';
import { partAt } from '../store/mime/section.js';
import { decodedFieldValue, decodedHeaderValues, transferDecode } from '../store/mime/text.js';
import type { StoredMessage } from '../store/types.js';

export interface MessageSummary {
  id: string;
  date: string;
  size: number;
  /** The SMTP envelope (MAIL FROM, RCPT TO), which may differ from the header fields. */
  mailFrom: string | null;
  rcptTo: string[];
  /** Header fields, encoded-words decoded. */
  from: string;
  to: string;
  subject: string;
  /** The session that delivered it (see GET /sessions/{sid}/transcript). */
  sid: string | null;
  listener: string | null;
}

export interface PartNode {
  /** The section number (`1`, `2.1`), as /parts/{n} and IMAP BODY[n] take it; '' for the top multipart. */
  part: string;
  type: string;
  charset?: string;
  filename?: string;
  encoding?: string;
  /** Bytes of the body as stored (still transfer-encoded). */
  size: number;
  children?: PartNode[];
}

function header(raw: Buffer, root: MimePart, key: string): string {
  return decodedHeaderValues(raw, root.header, key).join(', ');
}

export function summarize(message: StoredMessage): MessageSummary {
  const { raw, envelope } = message;
  const root = mimeTree(raw);
  return {
    id: message.id,
    date: message.internalDate.toISOString(),
    size: raw.length,
    mailFrom: envelope?.mailFrom ?? null,
    rcptTo: envelope?.rcptTo ?? [],
    from: header(raw, root, 'from'),
    to: header(raw, root, 'to'),
    subject: header(raw, root, 'subject'),
    sid: envelope?.sid ?? null,
    listener: envelope?.listener ?? null,
  };
}

function param(part: MimePart, name: string): string | undefined {
  return part.contentType?.params.find(([key]) => key.toLowerCase() === name)?.[1];
}

function describePart(raw: Buffer, part: MimePart, number: string): PartNode {
  const fields = part.isMime ? headerFields(raw, part.header) : [];
  const disposition = firstValid(raw, fields, 'content-disposition', (v) => parseContentValue(v, false));
  const filename =
    disposition?.params.find(([key]) => key.toLowerCase() === 'filename')?.[1] ?? param(part, 'name');
  const encoding = firstValid(raw, fields, 'content-transfer-encoding', (v) => v.trim() || null);
  const node: PartNode = {
    part: number,
    type: `${part.mediaType}/${part.mediaSubtype}`,
    size: part.bodyEnd - part.bodyStart,
  };
  const charset = param(part, 'charset');
  if (charset !== undefined) node.charset = charset;
  if (filename !== undefined) node.filename = filename;
  if (encoding !== null) node.encoding = encoding.toLowerCase();
  const prefix = number ? `${number}.` : '';
  if (part.mediaType === 'multipart') {
    node.children = part.children.map((child, i) => describePart(raw, child, `${prefix}${i + 1}`));
  } else if (part.message) {
    // RFC 3501 §6.4.5: the parts of a message/rfc822 part are numbered as those of the message inside.
    const inner = part.message;
    node.children =
      inner.mediaType === 'multipart'
        ? inner.children.map((child, i) => describePart(raw, child, `${prefix}${i + 1}`))
        : [describePart(raw, inner, `${prefix}1`)];
  }
  return node;
}

export function detail(message: StoredMessage) {
  const { raw } = message;
  const root = mimeTree(raw);
  return {
    ...summarize(message),
    flags: [...message.flags],
    envelope: message.envelope,
    headers: headerFields(raw, root.header)
      .filter((f) => f.key !== '')
      .map((f) => ({
        name: raw.toString('latin1', f.start, f.valueStart - 1),
        value: decodedFieldValue(raw, f),
      })),
    mime: describePart(raw, root, root.mediaType === 'multipart' ? '' : '1'),
  };
}

export type DecodedPart = { body: Buffer; contentType: string; filename: string | null };

/** Section `n` (`1.2`) decoded, or a reason it cannot be given. */
export function decodedPart(message: StoredMessage, n: string): DecodedPart | { problem: string } {
  if (!/^[1-9]\d{0,4}(\.[1-9]\d{0,4}){0,50}$/.test(n))
    return { problem: `${JSON.stringify(n)} is not a part number such as 1 or 2.1` };
  const raw = message.raw;
  const part = partAt(mimeTree(raw), n.split('.').map(Number));
  if (!part) return { problem: `message ${message.id} has no part ${n}` };
  if (part.mediaType === 'multipart')
    return {
      problem: `part ${n} is a ${part.mediaType}/${part.mediaSubtype} container: ask for ${n}.1 and on`,
    };
  // Only token characters reach the Content-Type header: a crafted parameter cannot add header lines.
  const charset = param(part, 'charset')?.match(/^[\w.:+-]{1,40}$/)?.[0];
  const declared = `${part.mediaType}/${part.mediaSubtype}`;
  const type = /^[\w.+-]+\/[\w.+-]+$/.test(declared) ? declared : 'application/octet-stream';
  return {
    // a message/rfc822 part is handed out as the message it carries, as stored
    body: part.message ? raw.subarray(part.bodyStart, part.bodyEnd) : transferDecode(raw, part),
    contentType: charset && part.mediaType === 'text' ? `${type}; charset=${charset}` : type,
    filename: describePart(raw, part, n).filename ?? null,
  };
}
