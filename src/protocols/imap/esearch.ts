/**
 * Answers of SEARCH and SORT with result options: the ESEARCH response of RFC 4731 §3.2 (ESORT, RFC
 * 5267 §3.2, for SORT) and the saved result of RFC 5182 §2.4.
 */
import { quote } from './compose.js';
import type { SequencedMessage } from './mailbox-view.js';
import type { ReturnOption } from './parser/search-return.js';
import { compactSet } from './parser/sequence-set.js';
import type { ImapSession } from './session.js';

/**
 * Writes `* ESEARCH (TAG "t") [UID] MIN n MAX n ALL set COUNT n` for `hits` (in the order the command
 * produced them: mailbox order for SEARCH, sort order for SORT) and keeps the saved result.
 */
export function answerWithOptions(
  imap: ImapSession,
  tag: string,
  uid: boolean,
  hits: SequencedMessage[],
  options: ReadonlySet<ReturnOption>,
  /** RFC 7162 §3.1.5: a search with MODSEQ reports the highest modseq of its hits. */
  modseq: number | null = null,
  /** RFC 5267 §4.4: PARTIAL's range, positions in `hits` from 1. */
  partial?: [number, number],
): void {
  const number = (h: SequencedMessage) => (uid ? h.message.uid : h.seq);
  const numbers = hits.map(number);
  // MIN and MAX: the lowest and highest numbers (RFC 4731 §3.1), which come first and last in mailbox
  // order; under SORT the first and last in sort order (RFC 5267 §3.2).
  const min = numbers[0];
  const max = numbers.at(-1);
  if (options.has('SAVE')) {
    // RFC 5182 §2.4: with MIN and/or MAX (and neither ALL nor COUNT) only those messages are kept.
    const onlyEnds =
      !options.has('ALL') && !options.has('COUNT') && (options.has('MIN') || options.has('MAX'));
    const kept = !onlyEnds
      ? hits
      : hits.filter(
          (h) => (options.has('MIN') && number(h) === min) || (options.has('MAX') && number(h) === max),
        );
    imap.selected.view.savedResult = new Set(kept.map((h) => h.message.uid));
    // §2.4: SAVE alone asks for no ESEARCH response.
    if (options.size === 1) return;
  }
  let text = `ESEARCH (TAG ${quote(tag)})${uid ? ' UID' : ''}`;
  if (numbers.length && options.has('MIN')) text += ` MIN ${min}`;
  if (numbers.length && options.has('MAX')) text += ` MAX ${max}`;
  if (numbers.length && options.has('ALL')) text += ` ALL ${compactSet(numbers)}`;
  if (partial) {
    // §4.4: the range as asked, and the results in it (fewer past the end; NIL when none).
    const slice = numbers.slice(partial[0] - 1, partial[1]);
    text += ` PARTIAL (${partial[0]}:${partial[1]} ${slice.length ? compactSet(slice) : 'NIL'})`;
  }
  if (options.has('COUNT')) text += ` COUNT ${numbers.length}`;
  if (modseq !== null) text += ` MODSEQ ${modseq}`;
  imap.untagged(text);
}
