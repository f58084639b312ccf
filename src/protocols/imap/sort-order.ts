/**
 * SORT criteria (RFC 5256 §3, DISPLAYFROM/DISPLAYTO of RFC 5957 §3) as comparable keys, and the sort
 * itself. Strings compare under i;ascii-casemap; every tie ends in mailbox order (RFC 5256 §3).
 */
import type { StoredMessage } from '../../store/types.js';
import { asciiCasemap } from './base-subject.js';
import { bad } from './errors.js';
import type { SequencedMessage } from './mailbox-view.js';
import { fieldsOf, type Address } from './message-fields.js';
import type { Token } from './parser/tokenizer.js';

type Criterion = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortKey {
  criterion: Criterion;
  reverse: boolean;
}

const BASE = new Set(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO']);
const DISPLAY = new Set(['DISPLAYFROM', 'DISPLAYTO']);

/** `(REVERSE DATE SUBJECT)`; DISPLAYFROM/DISPLAYTO only when SORT=DISPLAY is offered. */
export function parseSortCriteria(token: Token | undefined, display: boolean): SortKey[] {
  if (token?.type !== 'list' || token.items.length === 0) throw bad('SORT needs a list of sort criteria');
  const keys: SortKey[] = [];
  let reverse = false;
  for (const item of token.items) {
    const name = item.type === 'atom' ? item.value.toUpperCase() : '';
    if (name === 'REVERSE' && !reverse) {
      reverse = true;
      continue;
    }
    if (!BASE.has(name) && !(display && DISPLAY.has(name)))
      throw bad(`unknown sort criterion ${item.type === 'atom' ? item.value : '(list)'}`);
    keys.push({ criterion: name as Criterion, reverse });
    reverse = false;
  }
  if (reverse) throw bad('REVERSE must be followed by a sort criterion');
  return keys;
}

/** RFC 5256 §2.2: the sent date, or the internal date when the Date header is missing or unreadable. */
export function sentTime(message: StoredMessage, fields = fieldsOf(message)): number {
  return fields.sentTime ?? message.internalDate.getTime();
}

/** RFC 5256 §3 FROM/TO/CC: the addr-mailbox of the first address, "" when there is none. */
function firstMailbox(message: StoredMessage, field: string): string {
  const first = fieldsOf(message).addresses(field)[0];
  return first ? asciiCasemap(first.mailbox) : '';
}

/** RFC 5957 §3: the display name of the first address, else its addr-spec. */
function displayName(message: StoredMessage, field: string): string {
  const first: Address | undefined = fieldsOf(message).addresses(field)[0];
  if (!first) return '';
  return asciiCasemap(first.name?.trim() || `${first.mailbox}@${first.host}`);
}

function keyOf(criterion: Criterion, message: StoredMessage): string | number {
  switch (criterion) {
    case 'ARRIVAL':
      return message.internalDate.getTime();
    case 'DATE':
      return sentTime(message);
    case 'SIZE':
      return message.size;
    case 'SUBJECT':
      return fieldsOf(message).subjectKey;
    case 'FROM':
    case 'TO':
    case 'CC':
      return firstMailbox(message, criterion.toLowerCase());
    case 'DISPLAYFROM':
      return displayName(message, 'from');
    case 'DISPLAYTO':
      return displayName(message, 'to');
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The hits in sort order: each key computed once per message, then one sort. */
export function sortMessages(hits: SequencedMessage[], keys: SortKey[]): SequencedMessage[] {
  const values = keys.map((k) => hits.map((h) => keyOf(k.criterion, h.message)));
  const order = hits.map((_, i) => i);
  order.sort((x, y) => {
    for (let k = 0; k < keys.length; k++) {
      const c = compare(values[k]![x]!, values[k]![y]!);
      if (c !== 0) return keys[k]!.reverse ? -c : c;
    }
    return x - y;
  });
  return order.map((i) => hits[i]!);
}
