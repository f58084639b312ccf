/**
 * The header block of one MIME entity (RFC 5322 §2.2, RFC 2045 §3), located by byte offsets into the
 * message buffer so that BODY[HEADER], BODY[n.MIME] and HEADER.FIELDS can hand out the exact bytes.
 */

export interface HeaderField {
  /** Field name in lower case, for lookups; '' for a line that is no field (no colon), kept so that
   *  HEADER.FIELDS.NOT hands it out as Dovecot does. */
  readonly key: string;
  /** Offset of the first byte of the field name. */
  readonly start: number;
  /** Offset just after the colon. */
  readonly valueStart: number;
  /** Offset just after the field's last line ending (or the end of the data when there is none). */
  readonly end: number;
}

export interface HeaderBlock {
  readonly start: number;
  /** Offset just after the blank line that ends the header, or the end of the header lines when the
   *  entity has no blank line (then the body is empty). */
  readonly end: number;
  /** Offset of the blank line that ends the header, or null when there is none. */
  readonly blankLine: number | null;
  /** The line ending the entity uses, so added blank lines match the message (LF-only stays LF-only). */
  readonly eol: '\r\n' | '\n';
  /** A delimiter line follows the header directly and takes its last line ending (RFC 2046 §5.1.1). */
  readonly delimiterFollows: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** A header block with its fields, as read. The tree keeps only the block: fields are read again when
 *  needed (headerFields), so a mailbox's cached trees do not hold a dozen objects per header. */
export interface ScannedHeader extends HeaderBlock {
  readonly fields: HeaderField[];
  /** The header ran into a delimiter line instead of a blank line. */
  readonly stopped: boolean;
}

/** Tells whether a line (from `lineStart`) is a delimiter line that ends the header early. */
export type StopLine = (lineStart: number) => boolean;

/**
 * Reads header lines from `start` until the blank line, the end `limit`, or a line `stop` recognises
 * (a multipart delimiter: a part whose header runs straight into the next boundary has an empty body).
 */
export function readHeader(raw: Buffer, start: number, limit: number, stop: StopLine | null): ScannedHeader {
  const fields: HeaderField[] = [];
  let pos = start;
  let eol: '\r\n' | '\n' = '\r\n';
  let sawEol = false;
  // The field being collected: continuation lines (starting with SP or HT) extend it (RFC 5322 §2.2.3).
  let key: string | null = null;
  let fieldStart = 0;
  let valueStart = 0;
  const flush = (end: number): void => {
    if (key !== null) fields.push({ key, start: fieldStart, valueStart, end });
    key = null;
  };
  while (pos < limit) {
    const lf = raw.indexOf(LF, pos);
    const lineEnd = lf === -1 || lf >= limit ? limit : lf + 1;
    if (!sawEol && lf !== -1 && lf < limit) {
      sawEol = true;
      eol = lf > start && raw[lf - 1] === CR ? '\r\n' : '\n';
    }
    const first = raw[pos];
    if (first === LF || (first === CR && raw[pos + 1] === LF && pos + 1 < limit)) {
      flush(pos);
      return { start, end: lineEnd, blankLine: pos, fields, eol, stopped: false, delimiterFollows: false };
    }
    if (stop !== null && first === 0x2d && stop(pos)) {
      flush(pos);
      return { start, end: pos, blankLine: null, fields, eol, stopped: true, delimiterFollows: true };
    }
    if ((first === SP || first === HT) && key !== null) {
      // continuation: nothing to do, the current field simply extends to this line's end
    } else {
      flush(pos);
      const colon = raw.indexOf(COLON, pos);
      fieldStart = pos;
      if (colon !== -1 && colon < lineEnd && first !== SP && first !== HT) {
        let nameEnd = colon;
        while (nameEnd > pos && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === HT)) nameEnd--;
        key = raw.toString('latin1', pos, nameEnd).toLowerCase();
        valueStart = colon + 1;
      } else {
        // a line that is no field stays part of the header bytes but names nothing
        key = '';
        valueStart = pos;
      }
    }
    pos = lineEnd;
  }
  flush(limit);
  return { start, end: limit, blankLine: null, fields, eol, stopped: false, delimiterFollows: false };
}

/** `end` moved back over the line ending before it (LF, CRLF or a lone CR), never below `floor`. */
export function beforeLineEnding(raw: Buffer, end: number, floor: number): number {
  if (end > floor && raw[end - 1] === LF) end--;
  if (end > floor && raw[end - 1] === CR) end--;
  return end;
}

/**
 * A field's value unfolded as RFC 5322 §2.2.3 says (CRLF/LF removed, the folding whitespace kept), with
 * leading whitespace dropped as Dovecot does; one character per byte (latin1) so no byte is lost.
 */
export function unfoldedValue(raw: Buffer, field: HeaderField): string {
  let start = field.valueStart;
  const end = beforeLineEnding(raw, field.end, start);
  while (start < end && (raw[start] === SP || raw[start] === HT)) start++;
  const text = raw.toString('latin1', start, end);
  return text.indexOf('\n') === -1 ? text : text.replace(/\r?\n/g, '');
}

/** The fields of a header block, read again from its bytes. */
export function headerFields(raw: Buffer, header: HeaderBlock): HeaderField[] {
  return readHeader(raw, header.start, header.end, null).fields;
}

/** The fields named `key` (lower case), in message order. */
export function fieldsNamed(fields: HeaderField[], key: string): HeaderField[] {
  return fields.filter((f) => f.key === key);
}

/** Unfolded value of the first field named `key` (lower case), or null. */
export function firstValue(raw: Buffer, fields: HeaderField[], key: string): string | null {
  for (const field of fields) if (field.key === key) return unfoldedValue(raw, field);
  return null;
}

/** The first value of field `key` that `parse` accepts (Dovecot skips a broken field for a later good one). */
export function firstValid<T>(
  raw: Buffer,
  fields: HeaderField[],
  key: string,
  parse: (value: string) => T | null,
): T | null {
  for (const field of fields) {
    if (field.key !== key) continue;
    const parsed = parse(unfoldedValue(raw, field));
    if (parsed !== null) return parsed;
  }
  return null;
}

/** Unfolded value of the last field named `key` (later fields win, as in Dovecot's ENVELOPE), or null. */
export function lastValue(raw: Buffer, fields: HeaderField[], key: string): string | null {
  for (let i = fields.length - 1; i >= 0; i--) {
    if (fields[i].key === key) return unfoldedValue(raw, fields[i]);
  }
  return null;
}
