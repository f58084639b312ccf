import { offers } from '../capabilities.js';
import { SELECTED, type CommandSpec } from '../command.js';
import { answerWithOptions } from '../esearch.js';
import { no } from '../errors.js';
import { astring } from '../parser/args.js';
import { SEARCH_CHARSETS } from '../parser/search.js';
import { beginUpdates, refuseTagReuse } from '../search-context.js';
import { runSearch } from '../search-run.js';
import { parseSortCriteria, sortMessages } from '../sort-order.js';
import type { ImapSession } from '../session.js';
import type { Token } from '../parser/tokenizer.js';
import { returnRequest, searchKey } from './search.js';

/** The charset SORT and THREAD name before their search keys (RFC 5256 §3); others → NO [BADCHARSET]. */
export function charsetArg(token: Token | undefined): void {
  const charset = astring(token, 'a charset name').toUpperCase();
  if (!SEARCH_CHARSETS.includes(charset))
    throw no(`charset ${charset} is not supported`, `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`);
}

function sortArgs(imap: ImapSession, args: Token[]) {
  const request = returnRequest(imap, args, 'ESORT', 'CONTEXT=SORT');
  const [criteria, charset, ...keys] = request.rest;
  const sortKeys = parseSortCriteria(criteria, offers(imap, 'SORT=DISPLAY'));
  charsetArg(charset);
  return { request, sortKeys, key: searchKey(imap, keys) };
}

/** RFC 5256 §3 SORT / UID SORT, with DISPLAYFROM/DISPLAYTO (RFC 5957) and ESORT result options
 *  (RFC 5267 §3.2). */
export const sort: CommandSpec = {
  states: SELECTED,
  args: [3, Infinity],
  holdsExpunge: true,
  capability: 'SORT',
  handle({ imap, args, uid, tag }) {
    const { view } = imap.selected;
    const { request, sortKeys, key } = sortArgs(imap, args);
    if (request.options?.has('UPDATE')) refuseTagReuse(view, tag);
    const sorted = sortMessages(runSearch(view, key), sortKeys);
    if (request.options) {
      if (request.options.has('UPDATE')) beginUpdates(imap, { tag, uid, key, sortKeys }, sorted);
      return answerWithOptions(imap, tag, uid, sorted, request.options, null, request.partial);
    }
    const numbers = sorted.map((h) => (uid ? h.message.uid : h.seq));
    imap.untagged(numbers.length ? `SORT ${numbers.join(' ')}` : 'SORT');
  },
};
