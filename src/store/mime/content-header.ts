/**
 * Structured MIME header values: Content-Type (RFC 2045 §5.1), Content-Disposition (RFC 2183) and
 * Content-Language (RFC 3282), read with RFC 822 lexical rules (quoted strings, comments, specials)
 * the way Dovecot reads them, so BODYSTRUCTURE carries the same values. Strings are latin1 (one char
 * per byte); case is kept as written, as Dovecot keeps it.
 */

export type Param = readonly [name: string, value: string];

export interface ContentValue {
  /** `text/plain` as `text` + `plain`; for Content-Disposition the type alone, subtype empty. */
  type: string;
  subtype: string;
  params: Param[];
}

// RFC 2045 §5.1 tspecials plus whitespace end a token.
const TSPECIALS = '()<>@,;:\\"/[]?= \t\r\n';

class Lexer {
  pos = 0;
  constructor(private readonly text: string) {}

  /** Skips whitespace and (nested) comments (RFC 5322 §3.2.2). */
  skipCfws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        this.pos++;
      } else if (c === '(') {
        let depth = 0;
        while (this.pos < t.length) {
          const d = t[this.pos++];
          if (d === '\\') this.pos++;
          else if (d === '(') depth++;
          else if (d === ')' && --depth === 0) break;
        }
      } else {
        return;
      }
    }
  }

  peek(): string {
    this.skipCfws();
    return this.text[this.pos] ?? '';
  }

  token(): string {
    this.skipCfws();
    const start = this.pos;
    while (this.pos < this.text.length && !TSPECIALS.includes(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted string without its quotes and with quoted-pairs resolved. */
  quoted(): string {
    let out = '';
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c === '\\' && this.pos < this.text.length) out += this.text[this.pos++];
      else if (c !== '\r' && c !== '\n') out += c;
    }
    return out;
  }

  /** A parameter value: a quoted string or a token (RFC 2045 §5.1); what follows up to `;` is junk. */
  value(): string {
    return this.peek() === '"' ? this.quoted() : this.token();
  }

  skipTo(ch: string): void {
    const next = this.text.indexOf(ch, this.pos);
    this.pos = next === -1 ? this.text.length : next;
  }

  atEnd(): boolean {
    return this.peek() === '';
  }
}

/**
 * Parses `type/subtype; name=value; …` (or `disposition; name=value` when `withSubtype` is false).
 * Returns null when no type token can be read, as for a missing or broken header.
 */
export function parseContentValue(text: string, withSubtype: boolean): ContentValue | null {
  const lex = new Lexer(text);
  const type = lex.token();
  if (type === '') return null;
  let subtype = '';
  // A type without `/subtype` is kept with an empty subtype, as Dovecot keeps it ("garbage" "").
  if (withSubtype && lex.peek() === '/') {
    lex.pos++;
    subtype = lex.token();
  }
  // Junk after the media type (`message/rfc822 folded`) makes the whole value unreadable: Dovecot then
  // reports an empty type and subtype, and the part is neither split nor looked into.
  if (withSubtype && !lex.atEnd() && lex.peek() !== ';') return { type: '', subtype: '', params: [] };
  const raw: Param[] = [];
  while (!lex.atEnd()) {
    if (lex.peek() !== ';') {
      // junk between parameters: skip to the next `;` rather than give up on the header
      lex.skipTo(';');
      continue;
    }
    lex.pos++;
    const name = lex.token();
    if (name === '' || lex.peek() !== '=') {
      lex.skipTo(';');
      continue;
    }
    lex.pos++;
    raw.push([name, lex.value()]);
  }
  return { type, subtype, params: mergeRfc2231(raw) };
}

/**
 * RFC 2231 §3–4: `name*0`, `name*1`… are joined into one parameter (`name*` when a segment is
 * charset-encoded, its value left encoded). Dovecot lists plain parameters first, in their order, then
 * the starred ones sorted by name; we do the same so BODYSTRUCTURE matches it.
 */
function mergeRfc2231(params: Param[]): Param[] {
  if (!params.some(([name]) => name.includes('*'))) return params;
  const plain: Param[] = [];
  const starred = new Map<
    string,
    { name: string; encoded: boolean; segments: Array<{ index: number; raw: Param }> }
  >();
  for (const [name, value] of params) {
    const star = name.indexOf('*');
    if (star === -1) {
      plain.push([name, value]);
      continue;
    }
    const base = name.slice(0, star);
    const rest = name.slice(star + 1); // '' | '*' | 'N' | 'N*'
    const index = rest === '' || rest === '*' ? 0 : parseInt(rest, 10);
    const key = base.toLowerCase();
    let entry = starred.get(key);
    if (!entry) starred.set(key, (entry = { name: base, encoded: false, segments: [] }));
    entry.encoded ||= rest.endsWith('*') || rest === '';
    entry.segments.push({ index: Number.isNaN(index) ? -1 : index, raw: [name, value] });
  }
  const merged: Param[] = [];
  const groups = [...starred.values()].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  for (const { name, encoded, segments } of groups) {
    segments.sort((a, b) => a.index - b.index);
    // Only a run numbered 0, 1, 2… is one value; a broken run (no *0, a gap) stays as written (Dovecot).
    if (segments.every((s, i) => s.index === i)) {
      merged.push([encoded ? name + '*' : name, segments.map((s) => s.raw[1]).join('')]);
    } else {
      for (const s of segments) merged.push(s.raw);
    }
  }
  return plain.concat(merged);
}

/** Content-Language (RFC 3282): a comma-separated list of language tags. */
export function parseLanguageList(text: string): string[] {
  const lex = new Lexer(text);
  const tags: string[] = [];
  while (!lex.atEnd()) {
    if (lex.peek() === ',') {
      lex.pos++;
      continue;
    }
    const tag = lex.token();
    if (tag === '') {
      lex.pos++;
      continue;
    }
    tags.push(tag);
  }
  return tags;
}

/** Content-Transfer-Encoding (RFC 2045 §6.1): a single token, comments dropped; null when absent or
 *  when more than one token is there (`7bit folded`), which Dovecot also reads as no encoding. */
export function parseEncoding(text: string): string | null {
  if (text === '') return null;
  const lex = new Lexer(text);
  const token = lex.token();
  return token === '' || !lex.atEnd() ? null : token;
}
