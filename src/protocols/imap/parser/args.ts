import { bad } from '../errors.js';
import type { Token } from './tokenizer.js';

/** Readers for command arguments; each throws BAD naming what was expected. */

/** astring (RFC 3501 §9): an atom or a string. */
export function astring(token: Token | undefined, what: string): string {
  if (token?.type === 'atom' && !token.section) return token.value;
  if (token?.type === 'string') {
    // RFC 3501 §9: a quoted string or literal is CHAR8 / TEXT-CHAR, never NUL (%x00); a NUL in a
    // mailbox name or a login would be cut or misread further on.
    if (token.value.includes(0)) throw bad(`${what} must not contain NUL (RFC 3501 §9)`);
    return token.value.toString('utf8');
  }
  throw bad(`expected ${what}`);
}

export function atomArg(token: Token | undefined, what: string): string {
  if (token?.type === 'atom' && !token.section) return token.value;
  throw bad(`expected ${what}`);
}

export function listArg(token: Token | undefined, what: string): Token[] {
  if (token?.type === 'list') return token.items;
  throw bad(`expected a parenthesised list of ${what}`);
}

export function numberArg(token: Token | undefined, what: string): number {
  const text = token?.type === 'atom' ? token.value : '';
  if (!/^\d{1,10}$/.test(text)) throw bad(`expected ${what} (a number)`);
  return Number(text);
}

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
const SYSTEM_BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

export const PERMANENT_SYSTEM_FLAGS: readonly string[] = SYSTEM_FLAGS;

/** One flag as the client wrote it, with system flags in their canonical case (RFC 3501 §2.3.2:
 *  flags are case-insensitive); `\Recent` may not be set by a client. */
export function flagArg(token: Token): string {
  if (token.type !== 'atom' || token.section) throw bad('expected a flag');
  const value = token.value;
  if (value.startsWith('\\')) {
    const system = SYSTEM_BY_LOWER.get(value.toLowerCase());
    if (!system) throw bad(`${value} is not a flag a client may set`);
    return system;
  }
  if (!/^[^\s(){%*"\\\]]+$/.test(value)) throw bad(`${value} is not a valid keyword`);
  return value;
}

/** `(\Seen \Flagged)`, or flags without parentheses as some clients send them to STORE. */
export function flagListArg(tokens: Token[]): string[] {
  const items = tokens.length === 1 && tokens[0]!.type === 'list' ? tokens[0]!.items : tokens;
  return items.map(flagArg);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `date` (RFC 3501 §9): `1-Feb-1994`, as an atom or quoted. Returns the UTC midnight of that day. */
export function dateArg(token: Token | undefined): Date {
  const text = token?.type === 'atom' || token?.type === 'string' ? token.value.toString() : '';
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw bad(`expected a date like 1-Feb-1994, got ${JSON.stringify(text.slice(0, 40))}`);
  return new Date(Date.UTC(Number(m[3]), month, Number(m[1])));
}

/** `date-time` (RFC 3501 §9): `"17-Jul-1996 02:44:25 -0700"`, for APPEND. */
export function dateTimeArg(token: Token): Date {
  const text = token.type === 'string' ? token.value.toString('latin1') : '';
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw bad('expected a date-time like "17-Jul-1996 02:44:25 -0700"');
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offsetMinutes = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
  return new Date(utc - offsetMinutes * 60_000);
}

/** INTERNALDATE as RFC 3501 §9 `date-time` wants it, in UTC. */
export function formatDateTime(date: Date): string {
  const d = date.getUTCDate().toString().padStart(2, ' ');
  const mon = MONTHS[date.getUTCMonth()]!;
  const two = (n: number) => n.toString().padStart(2, '0');
  return `${d}-${mon[0]!.toUpperCase()}${mon.slice(1)}-${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
