import { bad } from '../errors.js';
import type { Token } from './tokenizer.js';

/** ESEARCH result options (RFC 4731 §3.1) and SAVE (RFC 5182 §2.4). */
export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

const OPTIONS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

export interface ReturnRequest {
  /** null: no RETURN, the plain `* SEARCH` / `* SORT` answer. */
  options: Set<ReturnOption> | null;
  /** The arguments after `RETURN (...)`. */
  rest: Token[];
}

/** `RETURN (MIN MAX)` in front of the search criteria (RFC 4731 §3.1; `RETURN ()` means ALL).
 *  `optionAllowed` says which options the session may use (SAVE needs SEARCHRES). */
export function parseReturn(args: Token[], optionAllowed: (option: ReturnOption) => boolean): ReturnRequest {
  const first = args[0];
  if (first?.type !== 'atom' || first.value.toUpperCase() !== 'RETURN') return { options: null, rest: args };
  const list = args[1];
  if (list?.type !== 'list') throw bad('RETURN needs a parenthesised list of result options');
  const options = new Set<ReturnOption>();
  for (const item of list.items) {
    const name = item.type === 'atom' ? item.value.toUpperCase() : '';
    if (!OPTIONS.has(name) || !optionAllowed(name as ReturnOption))
      throw bad(`unknown search result option ${item.type === 'atom' ? item.value : '(list)'}`);
    options.add(name as ReturnOption);
  }
  if (options.size === 0) options.add('ALL');
  return { options, rest: args.slice(2) };
}
