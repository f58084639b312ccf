/** A value in IMAP syntax: null → NIL, number, string (the composer picks quoted or literal), Buffer (always a
 *  literal), list. compose.ts writes it (its `Wire` is a superset). */
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
