/** A value in IMAP syntax: null → NIL, number, string (the serializer picks quoted or literal), Buffer (always a literal), list. */
export type ImapData = null | number | string | Buffer | ImapData[];

/** A header value kept as its bytes (latin1 string: one char per byte) in IMAP form: a string when it is
 *  plain ASCII, otherwise the exact bytes as a Buffer, so 8-bit header text (RFC 6532) goes out unchanged. */
export function bytesToImap(latin1: string): string | Buffer {
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 0x7f) return Buffer.from(latin1, 'latin1');
  }
  return latin1;
}

/** NIL for an absent value, else the value. */
export function nstring(latin1: string | null | undefined): string | Buffer | null {
  return latin1 == null ? null : bytesToImap(latin1);
}

// RFC 3501 §4.3: a quoted string holds 7-bit characters other than CR, LF and NUL; everything else needs a literal.
function quotable(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}

/**
 * IMAP wire form of a value (RFC 3501 §4): NIL, a number, a quoted string with `\` and `"` escaped, a
 * literal `{n}\r\n…` for 8-bit or multi-line strings (n counted in UTF-8 bytes) and for every Buffer
 * (its bytes as latin1 characters, so the string can be written back with `Buffer.from(s, 'latin1')`
 * when it holds a Buffer), and parenthesised lists.
 *
 * Lists that open with several lists in a row are written without a space between those: that is the
 * `1*body` of a multipart and the `1*address` of an address list in RFC 3501 §9 (`(("a"…)("b"…) "mixed")`),
 * as Dovecot writes them. Everywhere else items are separated by one space.
 */
export function serializeImapData(data: ImapData): string {
  if (data === null) return 'NIL';
  if (typeof data === 'number') return String(data);
  if (typeof data === 'string') {
    if (quotable(data)) return '"' + data.replace(/[\\"]/g, '\\$&') + '"';
    const bytes = Buffer.from(data, 'utf8');
    return `{${bytes.length}}\r\n` + bytes.toString('latin1');
  }
  if (Buffer.isBuffer(data)) return `{${data.length}}\r\n` + data.toString('latin1');
  let out = '(';
  let leadingLists = true;
  for (let i = 0; i < data.length; i++) {
    const isList = Array.isArray(data[i]);
    if (i > 0 && !(leadingLists && isList)) out += ' ';
    leadingLists &&= isList;
    out += serializeImapData(data[i]);
  }
  return out + ')';
}

/** The wire bytes of a value (see serializeImapData). */
export function imapDataToBuffer(data: ImapData): Buffer {
  return Buffer.from(serializeImapData(data), 'latin1');
}
