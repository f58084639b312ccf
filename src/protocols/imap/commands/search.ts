import type { StoredMessage } from '../../../store/types.js';
import { SELECTED, type CommandSpec } from '../command.js';
import type { MailboxView } from '../mailbox-view.js';
import * as mime from '../mime-access.js';
import { parseSearch, type SearchKey } from '../parser/search.js';
import { inRanges, resolveRanges } from '../parser/sequence-set.js';

const DAY = 86_400_000;

function dayOf(date: Date): number {
  return Math.floor(date.getTime() / DAY) * DAY;
}

/** The Date: header's day, ignoring time and zone as RFC 3501 §6.4.4 says; null when unreadable. */
function sentDay(message: StoredMessage): number | null {
  const value = headerValues(message.raw, 'date')[0];
  const time = value ? Date.parse(value.replace(/\([^)]*\)/g, '').trim()) : NaN;
  return Number.isNaN(time) ? null : dayOf(new Date(time));
}

/** Decoded header values per message and field: a client that searches the same mailbox again (every
 *  sync does) pays for the decoding once, as Dovecot's cache lets it. Keyed by the raw bytes, so an
 *  expunged message's entry goes with it. */
const headerCache = new WeakMap<Buffer, Map<string, string[]>>();

function headerValues(raw: Buffer, field: string): string[] {
  let fields = headerCache.get(raw);
  if (!fields) headerCache.set(raw, (fields = new Map()));
  let values = fields.get(field);
  if (!values) fields.set(field, (values = mime.headerValues(raw, field)));
  return values;
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

interface Candidate {
  seq: number;
  message: StoredMessage;
}

/** What every key of one SEARCH sees: `exists` and `maxUid` resolve `*`; the view knows \Recent. */
interface Scope {
  exists: number;
  maxUid: number;
  view: MailboxView;
}

/** Evaluates one key for one message. */
function matches(key: SearchKey, c: Candidate, scope: Scope): boolean {
  const { message } = c;
  switch (key.k) {
    case 'all':
      return true;
    case 'flag':
      return message.flags.has(key.flag) === key.set;
    case 'recent':
      return scope.view.isRecent(message) === key.set;
    case 'header': {
      const values = headerValues(message.raw, key.field);
      // RFC 3501 §6.4.4: HEADER with an empty string matches every message that has the field.
      return key.value === '' ? values.length > 0 : values.some((v) => contains(v, key.value));
    }
    case 'body':
      return contains(mime.bodyText(message.raw), key.value);
    case 'text': {
      const header = mime.bodySection(message.raw, { part: [], kind: 'HEADER' })?.toString('utf8') ?? '';
      return contains(header, key.value) || contains(mime.bodyText(message.raw), key.value);
    }
    case 'date': {
      const day = key.of === 'internal' ? dayOf(message.internalDate) : sentDay(message);
      if (day === null) return false;
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'size':
      return key.op === 'larger' ? message.raw.length > key.n : message.raw.length < key.n;
    case 'not':
      return !matches(key.key, c, scope);
    case 'or':
      return matches(key.a, c, scope) || matches(key.b, c, scope);
    case 'and':
      return key.keys.every((k) => matches(k, c, scope));
    case 'seq':
      return inRanges(resolveRanges(key.set, scope.exists), c.seq);
    case 'uid':
      return inRanges(resolveRanges(key.set, scope.maxUid), message.uid);
  }
}

/** RFC 3501 §6.4.4, every search key; UID SEARCH answers with UIDs (§6.4.8). */
export const search: CommandSpec = {
  states: SELECTED,
  args: [1, Infinity],
  holdsExpunge: true,
  handle({ imap, args, uid }) {
    const { view } = imap.selected;
    const key = parseSearch(args);
    const exists = view.messages.length;
    const maxUid = exists ? view.messages[exists - 1]!.uid : 0;
    const scope: Scope = { exists, maxUid, view };
    const hits: number[] = [];
    view.messages.forEach((message, i) => {
      if (matches(key, { seq: i + 1, message }, scope)) hits.push(uid ? message.uid : i + 1);
    });
    imap.untagged(hits.length ? `SEARCH ${hits.join(' ')}` : 'SEARCH');
  },
};
