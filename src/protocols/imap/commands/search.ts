import { SELECTED, type CommandContext, type CommandSpec } from '../command.js';
import { offers } from '../capabilities.js';
import { answerWithOptions } from '../esearch.js';
import type { SequencedMessage } from '../mailbox-view.js';
import { parseSearch, type SearchKey } from '../parser/search.js';
import { parseReturn, type ReturnOption, type ReturnRequest } from '../parser/search-return.js';
import { beginUpdates, refuseTagReuse } from '../search-context.js';
import { runSearch, usesModseq } from '../search-run.js';
import { enableCondstore } from '../sync.js';
import type { ImapSession } from '../session.js';

const CONTEXT_OPTIONS = new Set<ReturnOption>(['CONTEXT', 'UPDATE', 'PARTIAL']);

/** `RETURN (...)` when ESEARCH (ESORT) is offered, else the arguments as they are. SAVE also needs
 *  SEARCHRES; CONTEXT, UPDATE and PARTIAL need CONTEXT=SEARCH (CONTEXT=SORT), RFC 5267 §4.1. */
export function returnRequest(
  imap: ImapSession,
  args: CommandContext['args'],
  capability: string,
  contextCapability: string,
): ReturnRequest {
  if (!offers(imap, capability)) return { options: null, rest: args };
  return parseReturn(args, (option) =>
    option === 'SAVE'
      ? offers(imap, 'SEARCHRES')
      : !CONTEXT_OPTIONS.has(option) || offers(imap, contextCapability),
  );
}

/** The search key with the session's extensions (WITHIN, SEARCHRES `$`). */
export function searchKey(imap: ImapSession, args: CommandContext['args']): SearchKey {
  return parseSearch(args, (capability) => offers(imap, capability));
}

/** RFC 3501 §6.4.4, every search key; UID SEARCH answers with UIDs (§6.4.8); ESEARCH result options
 *  (RFC 4731) and SAVE (RFC 5182). */
export const search: CommandSpec = {
  states: SELECTED,
  args: [1, Infinity],
  holdsExpunge: true,
  handle({ imap, args, uid, tag }) {
    const { view } = imap.selected;
    const request = returnRequest(imap, args, 'ESEARCH', 'CONTEXT=SEARCH');
    if (request.options?.has('UPDATE')) refuseTagReuse(view, tag);
    let hits: SequencedMessage[];
    let withModseq = false;
    let key: SearchKey;
    try {
      key = searchKey(imap, request.rest);
      withModseq = usesModseq(key);
      if (withModseq) enableCondstore(imap, 'MODSEQ');
      hits = runSearch(view, key);
    } catch (err) {
      // RFC 5182 §2.4: a failed SEARCH ... RETURN (SAVE) leaves `$` empty.
      if (request.options?.has('SAVE')) view.savedResult = new Set();
      throw err;
    }
    const highest = hits.reduce((n, h) => Math.max(n, h.message.modseq), 0);
    if (request.options) {
      if (request.options.has('UPDATE')) beginUpdates(imap, { tag, uid, key, sortKeys: null }, hits);
      return answerWithOptions(
        imap,
        tag,
        uid,
        hits,
        request.options,
        withModseq && hits.length ? highest : null,
        request.partial,
      );
    }
    const numbers = hits.map((h) => (uid ? h.message.uid : h.seq));
    const modseq = withModseq && numbers.length ? ` (MODSEQ ${highest})` : '';
    imap.untagged(numbers.length ? `SEARCH ${numbers.join(' ')}${modseq}` : 'SEARCH');
  },
};
