import { bad } from '../errors.js';

/**
 * The generic command grammar of RFC 3501 §9: tag, command name, then arguments that are atoms,
 * strings (quoted or literal), parenthesised lists, with fetch attributes' `[section]<partial>`
 * attached to their atom. What an argument means is the command's business (parser/args.ts).
 */
export type Token =
  | { type: 'atom'; value: string; section?: Token[]; partial?: { offset: number; length: number | null } }
  /** `binary`: a literal8 `~{n}` (RFC 3516 §4.4, APPEND of BINARY). */
  | { type: 'string'; value: Buffer; literal: boolean; binary?: boolean }
  | { type: 'list'; items: Token[] };

export interface ParsedCommand {
  tag: string;
  name: string;
  args: Token[];
}

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Atoms that take a `[section]` (RFC 3501 §6.4.5 fetch-att, §9 `section`); elsewhere `[` is an
 *  ordinary character so mailbox names like `[Gmail]/Sent` stay atoms. */
const SECTIONED = /^(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)$/i;

/** A tag is 1*<any ASTRING-CHAR except "+"> (RFC 3501 §9). */
const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c\x7e]+$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** The tag of a line, or null when the line does not start with one (garbage, a bare CRLF). */
export function tagOf(line: Buffer): string | null {
  const sp = line.indexOf(SP);
  const tag = line.subarray(0, sp < 0 ? line.length : sp).toString('latin1');
  return isValidTag(tag) ? tag : null;
}

class Reader {
  pos = 0;
  depth = 0;

  constructor(
    readonly buf: Buffer,
    readonly maxDepth: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    return this.buf[this.pos]!;
  }

  fail(reason: string): never {
    throw bad(`${reason} at byte ${this.pos}`);
  }

  /** A token, then whatever follows it must be SP, `)` (in a list), `]` (in a section) or the end. */
  token(inSection: boolean): Token {
    if (this.done) this.fail('missing argument');
    const c = this.peek();
    if (c === 0x28) return this.list(0x29, inSection);
    if (c === DQUOTE) return this.quoted();
    if (c === 0x7b) return this.literal();
    if (c === 0x7e && this.buf[this.pos + 1] === 0x7b) {
      this.pos++;
      return { ...this.literal(), binary: true };
    }
    return this.atom(inSection);
  }

  list(close: number, inSection: boolean): Token {
    if (++this.depth > this.maxDepth) this.fail(`lists nested deeper than ${this.maxDepth}`);
    this.pos++; // (
    const items: Token[] = [];
    while (!this.done && this.peek() !== close) {
      if (items.length) {
        if (this.peek() !== SP) this.fail('expected a space between list items');
        this.pos++;
      }
      items.push(this.token(inSection));
    }
    if (this.done) this.fail('unterminated list');
    this.pos++; // )
    this.depth--;
    return { type: 'list', items };
  }

  quoted(): Token {
    this.pos++;
    const bytes: number[] = [];
    for (;;) {
      if (this.done) this.fail('unterminated quoted string');
      const c = this.buf[this.pos++]!;
      if (c === DQUOTE) break;
      if (c === CR || c === LF) this.fail('line break inside a quoted string');
      if (c === BACKSLASH) {
        if (this.done) this.fail('unterminated quoted string');
        const next = this.buf[this.pos++]!;
        // RFC 3501 §9 quoted-specials: only `"` and `\` may be escaped.
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('invalid escape in a quoted string');
        bytes.push(next);
      } else bytes.push(c);
    }
    return { type: 'string', value: Buffer.from(bytes), literal: false };
  }

  /** `{n}CRLF<n bytes>` or `{n+}CRLF<n bytes>` (RFC 3501 §4.3, RFC 7888); the framing layer already
   *  put the literal's bytes right after the CRLF. */
  literal(): Extract<Token, { type: 'string' }> {
    const m = /^\{(\d{1,20})(\+?)\}\r\n/.exec(this.buf.subarray(this.pos, this.pos + 26).toString('latin1'));
    if (!m) this.fail('malformed literal');
    const size = Number(m[1]);
    const start = this.pos + m[0].length;
    if (start + size > this.buf.length) this.fail('literal shorter than announced');
    this.pos = start + size;
    return { type: 'string', value: this.buf.subarray(start, start + size), literal: true };
  }

  atom(inSection: boolean): Token {
    const start = this.pos;
    while (!this.done) {
      const c = this.peek();
      if (c === SP || c === 0x28 || c === 0x29 || c === DQUOTE) break;
      if (c === 0x5d && inSection) break;
      if (c < 0x20 || c === 0x7f) this.fail('control character in an atom');
      if (c === 0x5b && SECTIONED.test(this.buf.toString('latin1', start, this.pos))) break;
      this.pos++;
    }
    if (this.pos === start) this.fail('empty atom');
    const value = this.buf.toString('utf8', start, this.pos);
    const token: Token = { type: 'atom', value };
    if (!this.done && this.peek() === 0x5b) {
      token.section = this.section();
      if (!this.done && this.peek() === 0x3c) token.partial = this.partial();
    }
    return token;
  }

  section(): Token[] {
    if (++this.depth > this.maxDepth) this.fail(`lists nested deeper than ${this.maxDepth}`);
    this.pos++; // [
    const items: Token[] = [];
    while (!this.done && this.peek() !== 0x5d) {
      if (items.length) {
        if (this.peek() !== SP) this.fail('expected a space in the section');
        this.pos++;
      }
      items.push(this.token(true));
    }
    if (this.done) this.fail('unterminated section: missing "]"');
    this.pos++;
    this.depth--;
    return items;
  }

  /** `<offset.length>` in requests (RFC 3501 §6.4.5); `<offset>` alone is tolerated. */
  partial(): { offset: number; length: number | null } {
    const close = this.buf.indexOf(0x3e, this.pos);
    if (close < 0) this.fail('unterminated partial: missing ">"');
    const m = /^<(\d{1,10})(?:\.(\d{1,10}))?>$/.exec(this.buf.toString('latin1', this.pos, close + 1));
    if (!m) this.fail('malformed partial');
    const length = m[2] === undefined ? null : Number(m[2]);
    if (length === 0) this.fail('partial length must be non-zero');
    this.pos = close + 1;
    return { offset: Number(m[1]), length };
  }
}

/** Parses one complete command (lines and literal bytes, without the final CRLF). Throws ImapError BAD. */
export function parseCommand(buf: Buffer, maxDepth: number): ParsedCommand {
  const r = new Reader(buf, maxDepth);
  const tagEnd = buf.indexOf(SP);
  const tag = buf.toString('latin1', 0, tagEnd < 0 ? buf.length : tagEnd);
  if (!isValidTag(tag)) throw bad('missing or invalid tag');
  if (tagEnd < 0) throw bad('missing command name');
  r.pos = tagEnd + 1;
  const nameStart = r.pos;
  while (!r.done && r.peek() !== SP) r.pos++;
  const name = buf.toString('latin1', nameStart, r.pos).toUpperCase();
  if (!/^[A-Z0-9.-]+$/.test(name)) throw bad('missing or invalid command name');
  const args: Token[] = [];
  while (!r.done) {
    if (r.peek() !== SP) r.fail('expected a space between arguments');
    r.pos++;
    // Tolerate trailing spaces (some clients send them); RFC 3501 §9 does not.
    if (r.done) break;
    args.push(r.token(false));
  }
  return { tag, name, args };
}
