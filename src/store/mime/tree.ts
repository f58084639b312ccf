/**
 * The MIME tree of a message (RFC 2045, RFC 2046 §5), parsed once from the raw bytes. Every part is a
 * set of byte ranges into the one message buffer, so sizes, line counts and BODY[section] bytes are
 * the message's own bytes, never re-encoded.
 *
 * Boundary matching follows RFC 2046 §5.1.1 as Dovecot applies it: a delimiter is a line starting
 * with `--` + boundary; the line ending before it belongs to the delimiter; the boundaries of all
 * enclosing multiparts are live at once (an inner part that is never closed ends at an outer
 * delimiter); when several boundaries match a line as prefixes, the longest wins.
 */
import { parseContentValue, type ContentValue } from './content-header.js';
import { beforeLineEnding, firstValue, readHeader, type HeaderBlock, type HeaderField } from './header.js';

export interface MimePart {
  readonly header: HeaderBlock;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** The parsed Content-Type, or null when absent or unreadable (then the RFC 2045 §5.2 default applies). */
  readonly contentType: ContentValue | null;
  /** The effective media type in lower case: Content-Type, else the default of the context. */
  readonly mediaType: string;
  readonly mediaSubtype: string;
  /** Parts of a multipart (RFC 2046 §5.1); empty otherwise. */
  readonly children: MimePart[];
  /** The encapsulated message of a message/rfc822 part (RFC 2046 §5.2.1); null otherwise. */
  readonly message: MimePart | null;
  /** Whether the Content-* fields count: always in a multipart, else only with MIME-Version or
   *  Content-Type (RFC 2045 §4; Dovecot ignores Content-Description & co. of a non-MIME message). */
  readonly isMime: boolean;
}

// Dovecot's limits (message_max_nested_mime_parts / max_total_mime_parts): past them the rest of the
// message is read as a plain body. They stop a crafted message from nesting until the stack overflows
// or from making a tree of millions of nodes out of a few megabytes of delimiters.
const MAX_DEPTH = 100;
const MAX_PARTS = 10_000;

const LF = 0x0a;
const DASH = 0x2d;
const LF_DASH_DASH = Buffer.from('\n--', 'latin1');

/** A delimiter line found while scanning: where it starts, which live boundary it matched, and how it ends. */
interface Delimiter {
  lineStart: number;
  /** Offset of the line after the delimiter. */
  next: number;
  /** Index into the live boundary stack. */
  owner: number;
  closing: boolean;
}

interface PartType {
  contentType: ContentValue | null;
  mediaType: string;
  mediaSubtype: string;
  isMime: boolean;
}

/** Every part is built here, fields in one order, so all parts share one object shape (V8 keeps object
 *  spreads of a shared base out of its fast path; this was a third of the parse time). */
function makePart(
  type: PartType,
  header: HeaderBlock,
  bodyStart: number,
  bodyEnd: number,
  children: MimePart[],
  message: MimePart | null,
): MimePart {
  const { contentType, mediaType, mediaSubtype, isMime } = type;
  return { header, bodyStart, bodyEnd, contentType, mediaType, mediaSubtype, children, message, isMime };
}

function withHeaderEnd(header: HeaderBlock, end: number, delimiterFollows: boolean): HeaderBlock {
  return { start: header.start, end, blankLine: header.blankLine, eol: header.eol, delimiterFollows };
}

class TreeParser {
  private parts = 0;
  /** Boundaries of the multiparts enclosing the current position, outermost first. */
  private readonly boundaries: Buffer[] = [];

  constructor(private readonly raw: Buffer) {}

  /** Matches the line at `lineStart` against the live boundaries (longest prefix wins, innermost on a tie). */
  private delimiterAt(lineStart: number): Delimiter | null {
    const raw = this.raw;
    if (raw[lineStart] !== DASH || raw[lineStart + 1] !== DASH) return null;
    let best = -1;
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      const b = this.boundaries[i];
      if (best !== -1 && this.boundaries[best].length >= b.length) continue;
      const from = lineStart + 2;
      if (from + b.length <= raw.length && raw.compare(b, 0, b.length, from, from + b.length) === 0) best = i;
    }
    if (best === -1) return null;
    const after = lineStart + 2 + this.boundaries[best].length;
    const closing = raw[after] === DASH && raw[after + 1] === DASH;
    const lf = raw.indexOf(LF, after);
    return { lineStart, next: lf === -1 ? raw.length : lf + 1, owner: best, closing };
  }

  /** The next delimiter line of any live boundary at or after `from`. */
  private nextDelimiter(from: number): Delimiter | null {
    // Past the part cap no delimiter is looked for: the part being read takes the rest of the message.
    if (this.boundaries.length === 0 || this.parts >= MAX_PARTS) return null;
    const raw = this.raw;
    if (from < raw.length) {
      const here = this.delimiterAt(from);
      if (here) return here;
    }
    let pos = from;
    for (;;) {
      // jump straight to candidate lines: a line feed followed by `--`
      const hit = raw.indexOf(LF_DASH_DASH, pos);
      if (hit === -1) return null;
      const found = this.delimiterAt(hit + 1);
      if (found) return found;
      pos = hit + 1;
    }
  }

  /** The line ending before a delimiter belongs to it (RFC 2046 §5.1.1), but never bytes before `floor`. */
  private contentEnd(delimiter: Delimiter | null, floor: number): number {
    if (delimiter === null) return this.raw.length;
    return beforeLineEnding(this.raw, delimiter.lineStart, floor);
  }

  /**
   * The delimiter of an enclosing multipart that directly follows the header's blank line, if any: then
   * that blank line is the delimiter's own line ending (RFC 2046 §5.1.1). The entity's own boundary is
   * already live here so that `--outer-inner` is read as the inner delimiter.
   */
  private delimiterAfterBlankLine(header: HeaderBlock, ancestors: number): Delimiter | null {
    if (header.blankLine === null || ancestors === 0 || header.end >= this.raw.length) return null;
    const delimiter = this.delimiterAt(header.end);
    return delimiter !== null && delimiter.owner < ancestors ? delimiter : null;
  }

  /**
   * Parses the entity starting at `start` (header, then body) and returns it with the delimiter that
   * ended it (null at the end of the message) and, when it differs from the part's end, how far the
   * bytes its parent must count reach. A part of a multipart/digest defaults to message/rfc822
   * instead of text/plain (RFC 2046 §5.1.5).
   */
  parseEntity(
    start: number,
    depth: number,
    inMultipart: boolean,
    digestChild: boolean,
  ): { part: MimePart; end: Delimiter | null; extent?: number } {
    this.parts++;
    const raw = this.raw;
    const stop = this.boundaries.length ? (line: number) => this.delimiterAt(line) !== null : null;
    const scanned = readHeader(raw, start, raw.length, stop);
    const contentType = contentTypeOf(raw, scanned.fields);
    const isMime =
      inMultipart || scanned.fields.some((f) => f.key === 'mime-version' || f.key === 'content-type');
    let header: HeaderBlock = {
      start,
      end: scanned.end,
      blankLine: scanned.blankLine,
      eol: scanned.eol,
      delimiterFollows: scanned.stopped,
    };
    const limited = depth >= MAX_DEPTH || this.parts >= MAX_PARTS;
    const mediaType = contentType ? contentType.type.toLowerCase() : digestChild ? 'message' : 'text';
    const mediaSubtype = contentType ? contentType.subtype.toLowerCase() : digestChild ? 'rfc822' : 'plain';
    const type: PartType = { contentType, mediaType, mediaSubtype, isMime };

    if (scanned.stopped) {
      // The header ran into a delimiter of an enclosing multipart: the part is empty whatever its type,
      // and that delimiter (matched before this part's own boundary existed) ends it, as in Dovecot.
      const at = header.end;
      // A message/rfc822 part still encapsulates a message, an empty one (Dovecot's [n.1.MIME] is empty).
      const empty: HeaderBlock = {
        start: at,
        end: at,
        blankLine: null,
        eol: header.eol,
        delimiterFollows: false,
      };
      const message =
        mediaType === 'message' && mediaSubtype === 'rfc822'
          ? makePart(
              { contentType: null, mediaType: 'text', mediaSubtype: 'plain', isMime: false },
              empty,
              at,
              at,
              [],
              null,
            )
          : null;
      const part = makePart(type, header, at, at, [], message);
      return { part, end: this.delimiterAt(at) };
    }

    // RFC 2046 §5.1.1 requires the boundary; without one the body cannot be split and the multipart has
    // no parts (Dovecot then shows one empty text/plain part, see body-structure.ts).
    const boundary = mediaType === 'multipart' && !limited ? boundaryOf(contentType) : null;
    const own = this.boundaries.length;
    if (boundary !== null) this.boundaries.push(boundary);
    const closer = this.delimiterAfterBlankLine(header, own);
    if (closer !== null && inMultipart) {
      // As Dovecot does: the body part's header ends before that blank line and the part is empty.
      if (boundary !== null) this.boundaries.pop();
      const end = header.blankLine ?? header.end;
      const part = makePart(type, withHeaderEnd(header, end, false), end, end, [], null);
      // its parent still counts the blank line as its own bytes (Dovecot's sizes)
      return { part, end: closer, extent: header.end };
    }
    // An encapsulated message keeps that blank line in its size, but not in BODY[n.HEADER] (Dovecot).
    if (closer !== null) header = withHeaderEnd(header, header.end, true);
    const bodyStart = header.end;

    if (boundary !== null) {
      const children: MimePart[] = [];
      // The multipart's bytes never end before what its parts took (a part header that ran into a
      // delimiter keeps its line ending) nor inside its closing delimiter line.
      let floor = bodyStart;
      let delimiter = this.nextDelimiter(bodyStart);
      while (delimiter !== null && delimiter.owner === own && !delimiter.closing) {
        const child = this.parseEntity(delimiter.next, depth + 1, true, mediaSubtype === 'digest');
        children.push(child.part);
        floor = child.extent ?? child.part.bodyEnd;
        delimiter = child.end;
      }
      this.boundaries.pop();
      if (delimiter !== null && delimiter.owner === own) {
        // closing delimiter: the epilogue runs to the next delimiter of an enclosing multipart
        floor = delimiter.next;
        delimiter = this.nextDelimiter(delimiter.next);
      }
      const bodyEnd = Math.max(floor, this.contentEnd(delimiter, floor));
      return { part: makePart(type, header, bodyStart, bodyEnd, children, null), end: delimiter };
    }

    if (mediaType === 'message' && mediaSubtype === 'rfc822' && !limited) {
      // RFC 2046 §5.2.1: the body is a complete message, ending where this part ends. It is parsed
      // whatever its transfer encoding (§5.2.1 forbids base64 here): garbage gives an empty envelope,
      // as in Dovecot.
      const inner = this.parseEntity(bodyStart, depth + 1, false, false);
      const part = makePart(type, header, bodyStart, inner.part.bodyEnd, [], inner.part);
      return { part, end: inner.end };
    }

    const delimiter = this.nextDelimiter(bodyStart);
    const bodyEnd = this.contentEnd(delimiter, bodyStart);
    return { part: makePart(type, header, bodyStart, bodyEnd, [], null), end: delimiter };
  }
}

/** The first Content-Type field decides, as it decides the boundary (a later one must not change the split). */
function contentTypeOf(raw: Buffer, fields: HeaderField[]): ContentValue | null {
  const value = firstValue(raw, fields, 'content-type');
  return value === null ? null : parseContentValue(value, true);
}

function boundaryOf(contentType: ContentValue | null): Buffer | null {
  const param = contentType?.params.find(([name]) => name.toLowerCase() === 'boundary');
  return param && param[1] !== '' ? Buffer.from(param[1], 'latin1') : null;
}

/** Parses the whole message into its tree. */
export function parseTree(raw: Buffer): MimePart {
  return new TreeParser(raw).parseEntity(0, 0, false, false).part;
}
