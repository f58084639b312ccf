import { bad, no } from '../errors.js';
import { astring, dateArg, flagArg, numberArg } from './args.js';
import { isSequenceSet, parseSequenceSet, type SequenceSet } from './sequence-set.js';
import type { Token } from './tokenizer.js';
import { modseqArg } from '../sync.js';

/** A SEARCH criterion (RFC 3501 §6.4.4) as a tree; `and` is the implicit conjunction of a list. */
export type SearchKey =
  | { k: 'all' }
  | { k: 'flag'; flag: string; set: boolean }
  /** `\Recent` in this session (RFC 3501 §2.3.2): not a stored flag. */
  | { k: 'recent'; set: boolean }
  | { k: 'header'; field: string; value: string }
  | { k: 'body'; value: string }
  | { k: 'text'; value: string }
  | { k: 'date'; of: 'internal' | 'sent'; op: 'before' | 'on' | 'since'; day: number }
  | { k: 'size'; op: 'larger' | 'smaller'; n: number }
  /** RFC 5032 OLDER / YOUNGER: the internal date against now, in seconds. */
  | { k: 'within'; op: 'older' | 'younger'; seconds: number }
  /** RFC 5182 `$`: the messages the last SEARCH RETURN (SAVE) kept. */
  | { k: 'saved' }
  | { k: 'not'; key: SearchKey }
  | { k: 'or'; a: SearchKey; b: SearchKey }
  | { k: 'and'; keys: SearchKey[] }
  | { k: 'seq'; set: SequenceSet }
  | { k: 'uid'; set: SequenceSet }
  /** RFC 7162 §3.1.5: messages whose modseq is at least `n`. */
  | { k: 'modseq'; n: number };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const FLAG_KEY_UNSEEN: SearchKey = { k: 'flag', flag: '\\Seen', set: false };

const ADDRESS_KEYS = new Set(['BCC', 'CC', 'FROM', 'SUBJECT', 'TO']);
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

export const SEARCH_CHARSETS = ['US-ASCII', 'UTF-8'];

/** Whether the session offers a capability: keys of an extension a scenario removed are unknown. */
export type Offers = (capability: string) => boolean;

/**
 * How deep search keys may nest, counting every NOT, OR and parenthesis: the key tree is read and
 * matched recursively, and 15,000 chained NOTs overflowed the stack. RFC 3501 §6.4.4 sets no limit;
 * real clients nest a handful (Dovecot's parser stops at 100 parentheses).
 */
export const MAX_SEARCH_DEPTH = 32;

class KeyReader {
  i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly offers: Offers,
    private readonly depth = 0,
  ) {}

  /** The key after NOT or OR, or inside parentheses: one level deeper. */
  private nested(tokens: Token[] = this.tokens): KeyReader {
    if (this.depth + 1 > MAX_SEARCH_DEPTH)
      throw bad(`SEARCH: keys nested deeper than ${MAX_SEARCH_DEPTH} (NOT, OR and parentheses count)`);
    const deeper = new KeyReader(tokens, this.offers, this.depth + 1);
    if (tokens === this.tokens) deeper.i = this.i;
    return deeper;
  }

  /** Reads one key one level deeper and carries on after it. */
  private deeperKey(): SearchKey {
    const reader = this.nested();
    const key = reader.key();
    this.i = reader.i;
    return key;
  }

  next(what: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw bad(`SEARCH: missing ${what}`);
    return t;
  }

  key(): SearchKey {
    const t = this.next('search key');
    if (t.type === 'list') {
      const inner = this.nested(t.items);
      const keys: SearchKey[] = [];
      while (inner.i < t.items.length) keys.push(inner.key());
      if (keys.length === 0) throw bad('SEARCH: empty parenthesised key');
      return keys.length === 1 ? keys[0]! : { k: 'and', keys };
    }
    if (t.type !== 'atom') throw bad('SEARCH: expected a search key');
    const name = t.value.toUpperCase();
    if (
      ((name === 'OLDER' || name === 'YOUNGER') && !this.offers('WITHIN')) ||
      (name === '$' && !this.offers('SEARCHRES'))
    )
      throw bad(`SEARCH: unknown search key ${t.value}`);
    if (FLAG_KEYS[name]) {
      const [flag, set] = FLAG_KEYS[name];
      return { k: 'flag', flag, set };
    }
    if (ADDRESS_KEYS.has(name))
      return {
        k: 'header',
        field: name.toLowerCase(),
        value: astring(this.next(name), `a string after ${name}`),
      };
    if (DATE_KEYS[name]) {
      const [of, op] = DATE_KEYS[name];
      return { k: 'date', of, op, day: dateArg(this.next(name)).getTime() };
    }
    switch (name) {
      case 'ALL':
        return { k: 'all' };
      case 'OLD':
      case 'RECENT':
        return { k: 'recent', set: name === 'RECENT' };
      case 'NEW': // RFC 3501 §6.4.4: RECENT UNSEEN
        return { k: 'and', keys: [{ k: 'recent', set: true }, FLAG_KEY_UNSEEN] };
      case 'BODY':
      case 'TEXT':
        return {
          k: name === 'BODY' ? 'body' : 'text',
          value: astring(this.next(name), `a string after ${name}`),
        };
      case 'HEADER': {
        const field = astring(this.next('HEADER'), 'a header field name');
        return { k: 'header', field: field.toLowerCase(), value: astring(this.next('HEADER'), 'a string') };
      }
      case 'KEYWORD':
      case 'UNKEYWORD':
        return { k: 'flag', flag: flagArg(this.next(name)), set: name === 'KEYWORD' };
      case 'LARGER':
      case 'SMALLER':
        return {
          k: 'size',
          op: name === 'LARGER' ? 'larger' : 'smaller',
          n: numberArg(this.next(name), 'a size'),
        };
      case 'OLDER':
      case 'YOUNGER':
        return {
          k: 'within',
          op: name === 'OLDER' ? 'older' : 'younger',
          seconds: numberArg(this.next(name), 'an interval in seconds'),
        };
      case '$':
        return { k: 'saved' };
      case 'NOT':
        return { k: 'not', key: this.deeperKey() };
      case 'OR': {
        const a = this.deeperKey();
        return { k: 'or', a, b: this.deeperKey() };
      }
      case 'UID': {
        const set = astring(this.next('UID'), 'a UID set');
        return set === '$' && this.offers('SEARCHRES')
          ? { k: 'saved' }
          : { k: 'uid', set: parseSequenceSet(set) };
      }
      case 'MODSEQ': {
        // RFC 7162 §3.1.5: MODSEQ ["/flags/\\seen" priv|shared|all] n; every flag shares the
        // message's modseq here, so the entry name and type are read and not used.
        let value = this.next('MODSEQ');
        if (value.type === 'string') {
          this.next('MODSEQ entry type');
          value = this.next('MODSEQ');
        }
        return { k: 'modseq', n: modseqArg(value, 'a mod-sequence after MODSEQ', true) };
      }
      default:
        if (isSequenceSet(t.value)) return { k: 'seq', set: parseSequenceSet(t.value) };
        if (/^[\d*:,]+$/.test(t.value)) parseSequenceSet(t.value);
        throw bad(`SEARCH: unknown search key ${t.value}`);
    }
  }
}

/** `[CHARSET name] key...`; unknown charsets → NO [BADCHARSET] (RFC 3501 §6.4.4). */
export function parseSearch(args: Token[], offers: Offers = () => true): SearchKey {
  let tokens = args;
  const first = args[0];
  if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
    const charset = astring(args[1], 'a charset name').toUpperCase();
    if (!SEARCH_CHARSETS.includes(charset))
      throw no(`charset ${charset} is not supported`, `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`);
    tokens = args.slice(2);
  }
  const reader = new KeyReader(tokens, offers);
  const keys: SearchKey[] = [];
  while (reader.i < tokens.length) keys.push(reader.key());
  if (keys.length === 0) throw bad('SEARCH needs at least one search key');
  return keys.length === 1 ? keys[0]! : { k: 'and', keys };
}
