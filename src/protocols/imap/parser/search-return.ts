import { bad } from '../errors.js';
import type { Token } from './tokenizer.js';

/** ESEARCH result options (RFC 4731 §3.1), SAVE (RFC 5182 §2.4), and CONTEXT, UPDATE and PARTIAL of
 *  RFC 5267 §4. */
export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'CONTEXT' | 'UPDATE' | 'PARTIAL';

const OPTIONS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'CONTEXT', 'UPDATE', 'PARTIAL']);

export interface ReturnRequest {
  /** null: no RETURN, the plain `* SEARCH` / `* SORT` answer. */
  options: Set<ReturnOption> | null;
  /** PARTIAL's range (RFC 5267 §4.4), low first: positions in the result, from 1. */
  partial?: [number, number];
  /** The arguments after `RETURN (...)`. */
  rest: Token[];
}

/** `500:400` or `1:500` (RFC 5267 §5 `partial-range = nz-number ":" nz-number`, no `*`). */
function partialRange(token: Token | undefined): [number, number] {
  const match = token?.type === 'atom' ? /^([1-9]\d{0,9}):([1-9]\d{0,9})$/.exec(token.value) : null;
  if (!match) throw bad('PARTIAL needs a range like 1:500');
  const a = Number(match[1]);
  const b = Number(match[2]);
  if (a > 0xffffffff || b > 0xffffffff) throw bad('PARTIAL range out of bounds');
  return a <= b ? [a, b] : [b, a];
}

/** `RETURN (MIN MAX)` in front of the search criteria (RFC 4731 §3.1; `RETURN ()` means ALL).
 *  `optionAllowed` says which options the session may use (SAVE needs SEARCHRES, CONTEXT/UPDATE/PARTIAL
 *  need CONTEXT=SEARCH or CONTEXT=SORT). */
export function parseReturn(args: Token[], optionAllowed: (option: ReturnOption) => boolean): ReturnRequest {
  const first = args[0];
  if (first?.type !== 'atom' || first.value.toUpperCase() !== 'RETURN') return { options: null, rest: args };
  const list = args[1];
  if (list?.type !== 'list') throw bad('RETURN needs a parenthesised list of result options');
  const options = new Set<ReturnOption>();
  let partial: [number, number] | undefined;
  for (let i = 0; i < list.items.length; i++) {
    const item = list.items[i]!;
    const name = item.type === 'atom' ? item.value.toUpperCase() : '';
    if (!OPTIONS.has(name) || !optionAllowed(name as ReturnOption))
      throw bad(`unknown search result option ${item.type === 'atom' ? item.value : '(list)'}`);
    if (name === 'PARTIAL') partial = partialRange(list.items[++i]);
    // RFC 5267 §4.4: one PARTIAL or one ALL, not both and not twice.
    if ((name === 'PARTIAL' || name === 'ALL') && (options.has('PARTIAL') || options.has('ALL')))
      throw bad('RETURN may hold one PARTIAL or one ALL, not both');
    options.add(name as ReturnOption);
  }
  // Only the empty list means ALL (RFC 4731 §3.1): `RETURN (UPDATE)` answers with the correlator alone.
  if (options.size === 0) options.add('ALL');
  return { options, ...(partial && { partial }), rest: args.slice(2) };
}
