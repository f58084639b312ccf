/**
 * Evaluating a SEARCH key (RFC 3501 §6.4.4, WITHIN of RFC 5032, `$` of RFC 5182) over the selected
 * mailbox: the one search behind SEARCH, SORT and THREAD.
 */
import type { StoredMessage } from '../../store/types.js';
import type { MailboxView, SequencedMessage } from './mailbox-view.js';
import { fieldsOf } from './message-fields.js';
import * as mime from './mime-access.js';
import type { SearchKey } from './parser/search.js';
import { inRanges, resolveRanges } from './parser/sequence-set.js';

const DAY = 86_400_000;
const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc']);

function dayOf(date: Date): number {
  return Math.floor(date.getTime() / DAY) * DAY;
}

function headerValues(message: StoredMessage, field: string): string[] {
  return fieldsOf(message).searchValues(field.toLowerCase());
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

/** FROM/TO/CC/BCC: the decoded field, or any of its addresses as `mailbox@host` with RFC 5322 comments
 *  and folding removed (`<user (c)@ (c) example.org>` is found by `user@example.org`). */
function addressMatches(message: StoredMessage, field: string, needle: string): boolean {
  if (headerValues(message, field).some((v) => contains(v, needle))) return true;
  return fieldsOf(message)
    .addresses(field)
    .some((a) => contains(`${a.mailbox}@${a.host}`, needle));
}

interface Candidate {
  seq: number;
  message: StoredMessage;
}

/** What every key of one SEARCH sees: `exists` and `maxUid` resolve `*`; the view knows \Recent and `$`. */
interface Scope {
  exists: number;
  maxUid: number;
  view: MailboxView;
  now: number;
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
      if (key.value !== '' && ADDRESS_FIELDS.has(key.field))
        return addressMatches(message, key.field, key.value);
      const values = headerValues(message, key.field);
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
      // RFC 3501 §6.4.4: SENT* compare the Date header's own calendar day, disregarding time and zone.
      const day =
        key.of === 'internal' ? dayOf(message.internalDate) : (fieldsOf(message).sentDay ?? undefined);
      if (day === undefined) return false;
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'within': {
      // RFC 5032 §3: the internal date against now minus the interval.
      const age = scope.now - message.internalDate.getTime();
      return key.op === 'older' ? age >= key.seconds * 1000 : age < key.seconds * 1000;
    }
    case 'size':
      return key.op === 'larger' ? message.size > key.n : message.size < key.n;
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
    case 'saved':
      return scope.view.savedResult.has(message.uid);
    case 'modseq':
      return message.modseq >= key.n;
  }
}

/** The key uses MODSEQ (RFC 7162 §3.1.5): a CONDSTORE enabling search whose answer ends with
 *  `(MODSEQ n)`, the highest modseq of the hits. */
export function usesModseq(key: SearchKey): boolean {
  switch (key.k) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(key.key);
    case 'or':
      return usesModseq(key.a) || usesModseq(key.b);
    case 'and':
      return key.keys.some(usesModseq);
    default:
      return false;
  }
}

/** The messages of the selected mailbox that match `key`, in mailbox order. */
export function runSearch(view: MailboxView, key: SearchKey): SequencedMessage[] {
  const exists = view.messages.length;
  const maxUid = exists ? view.messages[exists - 1]!.uid : 0;
  const scope: Scope = { exists, maxUid, view, now: Date.now() };
  const hits: SequencedMessage[] = [];
  view.messages.forEach((message, i) => {
    const c = { seq: i + 1, message };
    if (matches(key, c, scope)) hits.push(c);
  });
  return hits;
}
