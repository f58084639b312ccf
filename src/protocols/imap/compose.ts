/**
 * The response composer: IMAP data (RFC 3501 §4) → wire bytes, plus a transcript reading of the same
 * response in which literals are summarised (a FETCH of a 20 MB message must not put 20 MB into the
 * transcript bus).
 */

/** An atom written as is: flags (`\Seen`), section names (`BODY[HEADER]`), `NIL` never needs it. */
export interface Atom {
  atom: string;
}

/** `null` → NIL, `number` → number, `string` → quoted (or literal when quoting is unsafe), `Buffer` →
 *  literal, array → parenthesised list, `Prepared` → its wire text as serialized before. A superset of
 *  `ImapData` (mime/imap-data.ts). */
export type Wire = null | number | string | Buffer | Atom | Prepared | readonly Wire[];

export function atom(value: string): Atom {
  return { atom: value };
}

/**
 * A value serialized once and written many times (a message's ENVELOPE or BODYSTRUCTURE, which never
 * change): its wire text in `text` when it holds no literal, otherwise text pieces with each literal's
 * data between them (`pieces[1]`, `pieces[3]`… are the literals). The strings are flat, so keeping
 * one per message costs the garbage collector one object, not a rope of dozens.
 */
export class Prepared {
  readonly text: string | null;
  /** Null when there is no literal (`text` is all): an array per value would cost ~60 bytes more for
   *  each of the two a message keeps. */
  readonly pieces: readonly (string | Buffer)[] | null;

  constructor(pieces: readonly (string | Buffer)[]) {
    this.text = pieces.length === 1 ? (pieces[0] as string) : null;
    this.pieces = this.text === null ? pieces : null;
  }
}

/** Quoted strings may hold 7-bit TEXT-CHARs only, without `"`/`\` needing more than an escape
 *  (RFC 3501 §4.3, §9 `quoted`); anything else goes out as a literal. Long strings too: a literal is
 *  cheaper for the client to read than a megabyte of escaped text. */
const QUOTABLE = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
const MAX_QUOTED = 1024;

export function isQuotable(value: string): boolean {
  return value.length <= MAX_QUOTED && QUOTABLE.test(value);
}

export function quote(value: string): string {
  if (value.indexOf('"') < 0 && value.indexOf('\\') < 0) return '"' + value + '"';
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** The bytes for the wire and a one-line reading for the transcript. */
export interface Composed {
  chunks: Buffer[];
  text: string;
}

/** Where `write` puts text and literals: a response on its way out, or a value being prepared. */
interface Sink {
  str(s: string): void;
  literal(data: Buffer): void;
}

/**
 * Collects responses as text; a literal cuts the text into chunks. The transcript text of a response is
 * the same string as its wire text until its first literal, so only responses with literals pay for
 * two. Several responses can go through one writer (`end()` each, `take()` the bytes): a FETCH over a
 * mailbox turns dozens of responses into one Buffer. `compose` fills it from a list.
 */
export class ResponseWriter implements Sink {
  private chunks: Buffer[] = [];
  /** Wire text of the ended responses that is not in `chunks` yet. */
  private ended = '';
  /** The current response since its start or its last literal. */
  private wire = '';
  /** Transcript text of the current response up to its last literal (null: no literal yet). */
  private flushedText: string | null = null;

  constructor(readonly literalPreview: number) {}

  str(s: string): void {
    this.wire += s;
  }

  literal(data: Buffer): void {
    const head = this.wire + `{${data.length}}`;
    this.flushedText = (this.flushedText ?? '') + head + describeLiteral(data, this.literalPreview);
    this.chunks.push(Buffer.from(this.ended + head + '\r\n', 'utf8'), data);
    this.ended = '';
    this.wire = '';
  }

  /** Any value; a prepared one costs one string append when it holds no literal. */
  value(value: Wire): void {
    if (value instanceof Prepared && value.text !== null) this.wire += value.text;
    else write(this, value);
  }

  /** Ends the current response (CRLF on the wire) and returns its transcript text. */
  end(): string {
    const text = this.flushedText === null ? this.wire : this.flushedText + this.wire;
    this.ended += this.wire + '\r\n';
    this.wire = '';
    this.flushedText = null;
    return text;
  }

  /** The wire bytes of the responses ended so far, handed over once: text and literal data in turn
   *  (`[1]`, `[3]`… are literals; a text chunk before one ends in `{n}` CRLF), as `sentLines` reads them. */
  take(): Buffer[] {
    if (this.ended) this.chunks.push(Buffer.from(this.ended, 'utf8'));
    const chunks = this.chunks;
    this.chunks = [];
    this.ended = '';
    return chunks;
  }

  /** Ends the one response and returns it. */
  finish(): Composed {
    const text = this.end();
    return { chunks: this.take(), text };
  }
}

/** Collects the pieces of a Prepared value: text joined once per run between literals. */
class PieceSink implements Sink {
  private readonly pieces: (string | Buffer)[] = [];
  private run: string[] = [];

  str(s: string): void {
    this.run.push(s);
  }

  literal(data: Buffer): void {
    this.pieces.push(this.run.join(''), data);
    this.run = [];
  }

  finish(): Prepared {
    // join() builds a flat string (`+=` would keep a rope of every piece alive in the cache).
    this.pieces.push(this.run.join(''));
    // A copy of the exact length: a grown array keeps room for 17 pieces, and a Prepared value is kept
    // per message (mime-access.ts), so the spare room would cost megabytes over a large mailbox.
    return new Prepared(this.pieces.slice());
  }
}

/** ` <652 bytes: "From: a@b…">` — size and the first line, which is what a person scanning a
 *  transcript looks for. `of`: the literal's size when `data` is only the part a cut let out. */
export function describeLiteral(data: Buffer, previewChars: number, of?: number): string {
  const lf = data.indexOf(10);
  let end = Math.min(lf < 0 ? data.length : lf, previewChars);
  if (end > 0 && data[end - 1] === 13) end--;
  // A range of toString(), not a subarray: one FETCH BODY[] over a mailbox describes every body.
  const firstLine = data.toString('utf8', 0, end);
  const size = of === undefined ? `${data.length} bytes` : `${data.length} of ${of} bytes sent`;
  return ` <${size}${firstLine ? `: ${JSON.stringify(firstLine)}` : ''}>`;
}

/**
 * The transcript lines of responses' wire bytes (`chunks` as ResponseWriter.take() hands them) as far
 * as their first `sent` bytes go (a scenario's cut): lines that went out whole read as usual, the line
 * the cut stopped in as far as it went (a literal in it as `<k of n bytes sent: "…">`), nothing after.
 */
export function sentLines(chunks: readonly Buffer[], sent: number, literalPreview: number): string[] {
  const lines: string[] = [];
  let line = '';
  let left = sent;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    const literal = i % 2 === 1;
    // A literal whose `{n}` CRLF went out is shown even when none of its bytes did.
    if (left === 0 && !literal) break;
    const whole = left >= chunk.length;
    const out = whole ? chunk : chunk.subarray(0, left);
    left -= out.length;
    if (literal) {
      line += whole
        ? describeLiteral(chunk, literalPreview)
        : describeLiteral(out, literalPreview, chunk.length);
      if (!whole) break;
      continue;
    }
    const parts = out.toString('utf8').split('\r\n');
    // After the last CRLF that went out: an unfinished line ('' when the chunk went whole). The CRLF
    // after `{n}` does not end a line: the literal goes on in it.
    let open = parts.pop()!.replace(/\r$/, '');
    if (whole && i + 1 < chunks.length) open = parts.pop()!;
    for (const done of parts) {
      lines.push(line + done);
      line = '';
    }
    line += open;
    if (!whole) break;
  }
  if (line) lines.push(line);
  return lines;
}

function write(w: Sink, value: Wire): void {
  if (value === null) w.str('NIL');
  else if (typeof value === 'number') w.str(String(Math.trunc(value)));
  else if (typeof value === 'string') {
    if (isQuotable(value)) w.str(quote(value));
    else w.literal(Buffer.from(value, 'utf8'));
  } else if (Buffer.isBuffer(value)) w.literal(value);
  else if (Array.isArray(value)) {
    w.str('(');
    // RFC 3501 §9: the parts of a multipart (`1*body SP media-subtype`) and the addresses of an
    // address list (`"(" 1*address ")"`) follow each other without a space, as Dovecot writes them:
    // `((…)(…) "mixed")`. So lists that open a list are not separated; every other item is, by one space.
    let leadingLists = true;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as Wire;
      const isList = Array.isArray(item);
      if (i && !(leadingLists && isList)) w.str(' ');
      leadingLists &&= isList;
      write(w, item);
    }
    w.str(')');
  } else if (value instanceof Prepared) {
    if (value.pieces === null) w.str(value.text!);
    else
      for (let i = 0; i < value.pieces.length; i++) {
        const piece = value.pieces[i]!;
        if (i % 2) w.literal(piece as Buffer);
        else w.str(piece as string);
      }
  } else w.str((value as Atom).atom);
}

/** Serializes a value once, for a cache (see Prepared). */
export function prepare(value: Wire): Prepared {
  const sink = new PieceSink();
  write(sink, value);
  return sink.finish();
}

/**
 * Composes one response line: `prefix` (e.g. `* 3 FETCH `) followed by the items separated by spaces,
 * CRLF-terminated. The transcript text carries no CRLF.
 */
export function compose(prefix: string, items: readonly Wire[], literalPreview = 80): Composed {
  const w = new ResponseWriter(literalPreview);
  w.str(prefix);
  for (let i = 0; i < items.length; i++) {
    if (i) w.str(' ');
    write(w, items[i]!);
  }
  return w.finish();
}

/** One item of a list as its wire text, for responses that are plain text (no literals possible). */
export function wireText(value: Wire): string {
  return compose('', [value]).text;
}
