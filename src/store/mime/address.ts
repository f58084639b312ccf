/**
 * RFC 5322 §3.4 address lists as ENVELOPE wants them (RFC 3501 §7.4.2): each address becomes
 * [name, adl, mailbox, host]; a group becomes a start marker [NIL, NIL, group-name, NIL], its members,
 * and an end marker [NIL, NIL, NIL, NIL]. Lenient as Dovecot is: a missing local part or domain is
 * filled with MISSING_MAILBOX / MISSING_DOMAIN, a comment stands in for a missing display name, and
 * encoded-words stay encoded. Text is latin1 (one char per byte).
 */

export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

type Token =
  | { kind: 'atom'; text: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'comment'; text: string }
  | { kind: 'literal'; text: string }
  | { kind: 'special'; text: string };

// Character classes (RFC 5322 §3.2.3): what ends an atom. The dot is not among them, so a dot-atom
// (`john.doe`) and an obsolete phrase (`A.B.`) stay one token.
const WSP = 1;
const SPECIAL = 2;
const CLASS = new Uint8Array(256);
for (const c of ' \t\r\n') CLASS[c.charCodeAt(0)] = WSP;
for (const c of '()<>@,;:\\"[]') CLASS[c.charCodeAt(0)] = SPECIAL;

/** A quoted string or comment body from `i` (just after the opening char) with quoted-pairs resolved. */
function delimited(text: string, i: number, nested: boolean): { text: string; next: number } {
  let out = '';
  let from = i;
  let depth = 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      out += text.slice(from, i);
      from = i + 1; // keep the escaped char, drop the backslash
      i += 2;
    } else if (c === 0x0d || c === 0x0a) {
      out += text.slice(from, i);
      from = ++i;
    } else if (!nested && c === 0x22 /* " */) {
      return { text: out + text.slice(from, i), next: i + 1 };
    } else if (nested && c === 0x28 /* ( */) {
      depth++;
      i++;
    } else if (nested && c === 0x29 /* ) */ && --depth === 0) {
      return { text: out + text.slice(from, i), next: i + 1 };
    } else {
      i++;
    }
  }
  return { text: out + text.slice(from, Math.min(i, text.length)), next: text.length };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const cls = code < 256 ? CLASS[code] : 0;
    if (cls === WSP) {
      i++;
    } else if (code === 0x22) {
      const q = delimited(text, i + 1, false);
      tokens.push({ kind: 'quoted', text: q.text });
      i = q.next;
    } else if (code === 0x28) {
      const c = delimited(text, i + 1, true);
      tokens.push({ kind: 'comment', text: c.text.trim() });
      i = c.next;
    } else if (code === 0x5b) {
      const close = text.indexOf(']', i);
      const end = close === -1 ? text.length : close + 1;
      tokens.push({ kind: 'literal', text: text.slice(i, end) });
      i = end;
    } else if (cls === SPECIAL) {
      tokens.push({ kind: 'special', text: text[i] });
      i++;
    } else {
      const start = i;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c < 256 && CLASS[c] !== 0) break;
        i++;
      }
      tokens.push({ kind: 'atom', text: text.slice(start, i) });
    }
  }
  return tokens;
}

const MISSING_MAILBOX = 'MISSING_MAILBOX';
const MISSING_DOMAIN = 'MISSING_DOMAIN';

class AddressParser {
  private pos = 0;
  private lastComment: string | null = null;
  readonly out: EnvelopeAddress[] = [];

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    while (this.pos < this.tokens.length && this.tokens[this.pos].kind === 'comment') {
      this.lastComment = this.tokens[this.pos].text;
      this.pos++;
    }
    return this.tokens[this.pos];
  }

  private isSpecial(ch: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'special' && t.text === ch;
  }

  parseList(): EnvelopeAddress[] {
    while (this.peek() !== undefined) {
      if (this.isSpecial(',') || this.isSpecial(';')) {
        this.pos++;
        continue;
      }
      this.parseAddress(false);
      this.skipJunk(false);
    }
    return this.out;
  }

  /** One mailbox or group; inside a group, `;` ends it and groups do not nest. */
  private parseAddress(inGroup: boolean): void {
    this.lastComment = null;
    const phrase: string[] = [];
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      if (t.kind === 'atom' || t.kind === 'quoted' || t.kind === 'literal') {
        phrase.push(t.text);
        this.pos++;
      } else if (t.text === '<' || t.text === '@' || t.text === ':' || t.text === ',' || t.text === ';') {
        break;
      } else {
        this.pos++; // stray `>`, `\`, `]`: ignore
      }
    }
    const t = this.peek();
    if (t?.text === ':' && !inGroup) {
      this.pos++;
      this.parseGroup(phrase.join(' '));
      return;
    }
    if (t?.text === '<') {
      this.pos++;
      this.parseAngleAddr(phrase.length ? phrase.join(' ') : null);
      return;
    }
    if (t?.text === '@') {
      this.pos++;
      const host = this.parseDomain();
      this.push(this.lastComment, null, phrase.join(''), host);
      return;
    }
    if (phrase.length) this.push(this.lastComment, null, phrase.join(''), null);
    else if (t?.text !== ',' && t?.text !== ';' && t !== undefined) this.pos++;
  }

  /** After an address, anything up to the next separator is junk (`a@b@c`): one address, not several. */
  private skipJunk(inGroup: boolean): void {
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      if (t.kind === 'special' && (t.text === ',' || (inGroup && t.text === ';'))) return;
      this.pos++;
    }
  }

  private parseGroup(name: string): void {
    this.out.push({ name: null, adl: null, mailbox: name, host: null });
    for (let t = this.peek(); t !== undefined && t.text !== ';'; t = this.peek()) {
      if (t.kind === 'special' && t.text === ',') {
        this.pos++;
        continue;
      }
      this.parseAddress(true);
      this.skipJunk(true);
    }
    if (this.isSpecial(';')) this.pos++;
    this.out.push({ name: null, adl: null, mailbox: null, host: null });
  }

  private parseAngleAddr(name: string | null): void {
    let adl: string | null = null;
    if (this.isSpecial('@')) {
      // obsolete route (RFC 5322 §4.4): `@a,@b:` — kept as the ENVELOPE adl
      const route: string[] = [];
      while (this.isSpecial('@') || this.isSpecial(',')) {
        const sep = this.peek()!.text;
        this.pos++;
        if (sep === '@') route.push('@' + this.parseDomain());
      }
      if (this.isSpecial(':')) this.pos++;
      adl = route.join(',');
    }
    const local: string[] = [];
    for (let t = this.peek(); t && (t.kind === 'atom' || t.kind === 'quoted'); t = this.peek()) {
      local.push(t.text);
      this.pos++;
    }
    let host: string | null = null;
    if (this.isSpecial('@')) {
      this.pos++;
      host = this.parseDomain();
    }
    // skip whatever is left up to the closing `>`
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      this.pos++;
      if (t.kind === 'special' && t.text === '>') break;
    }
    this.push(name ?? this.lastComment, adl, local.join(''), host);
  }

  /** A domain: one dot-atom or domain literal; a further word only joins across a dot (`example . org`). */
  private parseDomain(): string {
    let domain = '';
    for (let t = this.peek(); t && (t.kind === 'atom' || t.kind === 'literal'); t = this.peek()) {
      if (domain !== '' && !domain.endsWith('.') && !t.text.startsWith('.')) break;
      domain += t.text;
      this.pos++;
    }
    return domain;
  }

  private push(name: string | null, adl: string | null, mailbox: string, host: string | null): void {
    this.out.push({
      name: name === null || name === '' ? null : name,
      adl,
      mailbox: mailbox === '' ? MISSING_MAILBOX : mailbox,
      host: host === null || host === '' ? MISSING_DOMAIN : host,
    });
  }
}

/** The addresses of one header value (latin1), in ENVELOPE form. */
export function parseAddressList(text: string): EnvelopeAddress[] {
  return new AddressParser(tokenize(text)).parseList();
}
