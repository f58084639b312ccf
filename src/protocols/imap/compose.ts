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
 *  literal, array → parenthesised list. A superset of `ImapData` from store/mime.ts. */
export type Wire = null | number | string | Buffer | Atom | readonly Wire[];

export function atom(value: string): Atom {
  return { atom: value };
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
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** The bytes for the wire and a one-line reading for the transcript. */
export interface Composed {
  chunks: Buffer[];
  text: string;
}

class Writer {
  readonly chunks: Buffer[] = [];
  private pending = '';
  text = '';

  constructor(private readonly literalPreview: number) {}

  str(s: string): void {
    this.pending += s;
    this.text += s;
  }

  literal(data: Buffer): void {
    this.pending += `{${data.length}}\r\n`;
    this.flush();
    this.chunks.push(data);
    this.text += `{${data.length}}` + describeLiteral(data, this.literalPreview);
  }

  flush(): void {
    if (this.pending) this.chunks.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }
}

/** ` <652 bytes: "From: a@b…">` — size and the first line, which is what a person scanning a
 *  transcript looks for. */
export function describeLiteral(data: Buffer, previewChars: number): string {
  const end = data.indexOf(10);
  const firstLine = data
    .subarray(0, Math.min(end < 0 ? data.length : end, previewChars))
    .toString('utf8')
    .replace(/\r$/, '');
  return ` <${data.length} bytes${firstLine ? `: ${JSON.stringify(firstLine)}` : ''}>`;
}

function write(w: Writer, value: Wire): void {
  if (value === null) w.str('NIL');
  else if (typeof value === 'number') w.str(String(Math.trunc(value)));
  else if (typeof value === 'string') {
    if (isQuotable(value)) w.str(quote(value));
    else w.literal(Buffer.from(value, 'utf8'));
  } else if (Buffer.isBuffer(value)) w.literal(value);
  else if (Array.isArray(value)) {
    w.str('(');
    value.forEach((item: Wire, i: number) => {
      if (i) w.str(' ');
      write(w, item);
    });
    w.str(')');
  } else w.str((value as Atom).atom);
}

/**
 * Composes one response line: `prefix` (e.g. `* 3 FETCH `) followed by the items separated by spaces,
 * CRLF-terminated. The transcript text carries no CRLF.
 */
export function compose(prefix: string, items: readonly Wire[], literalPreview = 80): Composed {
  const w = new Writer(literalPreview);
  w.str(prefix);
  items.forEach((item, i) => {
    if (i) w.str(' ');
    write(w, item);
  });
  w.str('\r\n');
  w.flush();
  return { chunks: w.chunks, text: w.text.slice(0, -2) };
}

/** One item of a list as its wire text, for responses that are plain text (no literals possible). */
export function wireText(value: Wire): string {
  return compose('', [value]).text;
}
