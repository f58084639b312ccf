import type { CommandContext } from './command.js';
import { bad } from './errors.js';
import { listArg } from './parser/args.js';
import type { FetchItem } from './parser/fetch-items.js';
import { compactSet, type SequenceSet } from './parser/sequence-set.js';
import { vanishedSince } from './qresync.js';
import { enableCondstore, modseqArg, syncOf } from './sync.js';

export interface FetchModifiers {
  /** Only messages whose modseq is above this (RFC 7162 §3.1.4.1), or null. */
  changedSince: number | null;
  /** The `* VANISHED (EARLIER)` line the VANISHED modifier asks for (§3.2.6), given the UID set. */
  vanished(set: SequenceSet): string[];
}

/**
 * FETCH's modifiers (RFC 4466 §2.2): `CHANGEDSINCE n` and, for UID FETCH once QRESYNC is enabled,
 * `VANISHED`. Asking for MODSEQ, or CHANGEDSINCE, turns CONDSTORE on (§3.1); CHANGEDSINCE adds MODSEQ to
 * the items (§3.1.4.1).
 */
export function readFetchModifiers(c: CommandContext, items: FetchItem[]): FetchModifiers {
  if (items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ')) enableCondstore(c.imap, 'MODSEQ');
  const none: FetchModifiers = { changedSince: null, vanished: () => [] };
  if (!c.args[2]) return none;
  const list = listArg(c.args[2], 'FETCH modifiers');
  let changedSince: number | null = null;
  let vanished = false;
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    const name = t.type === 'atom' ? t.value.toUpperCase() : '';
    if (name === 'CHANGEDSINCE') {
      enableCondstore(c.imap, 'CHANGEDSINCE');
      changedSince = modseqArg(list[++i], 'CHANGEDSINCE', true);
    } else if (name === 'VANISHED') {
      // §3.2.6: only in UID FETCH, only once QRESYNC is enabled.
      if (!c.uid || !syncOf(c.imap).qresync) throw bad('VANISHED needs UID FETCH and ENABLE QRESYNC');
      vanished = true;
    } else throw bad(`unknown FETCH modifier ${name || '(list)'}`);
  }
  if (vanished && changedSince === null) throw bad('VANISHED needs CHANGEDSINCE');
  if (changedSince !== null && !items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ'))
    items.push({ kind: 'simple', name: 'MODSEQ' });
  const since = changedSince;
  return {
    changedSince,
    vanished(set) {
      if (!vanished || since === null) return [];
      const { view } = c.imap.selected;
      const uids = vanishedSince(view, since, set);
      return uids.length ? [`* VANISHED (EARLIER) ${compactSet(uids)}`] : [];
    },
  };
}
