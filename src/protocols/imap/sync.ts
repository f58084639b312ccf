import { offers } from './capabilities.js';
import { bad } from './errors.js';
import type { Token } from './parser/tokenizer.js';
import type { ImapSession } from './session.js';

/**
 * RFC 7162 state of one session: CONDSTORE is on once the client used a CONDSTORE enabling command
 * (§3.1: ENABLE CONDSTORE, SELECT (CONDSTORE), FETCH MODSEQ or CHANGEDSINCE, STORE UNCHANGEDSINCE,
 * SEARCH MODSEQ, STATUS HIGHESTMODSEQ); from then on every untagged FETCH carries MODSEQ. QRESYNC is on
 * only after ENABLE QRESYNC (§3.2.3) and implies CONDSTORE; then expunges go out as `* VANISHED`.
 */
export interface SyncState {
  condstore: boolean;
  qresync: boolean;
}

const states = new WeakMap<ImapSession, SyncState>();

export function syncOf(imap: ImapSession): SyncState {
  let state = states.get(imap);
  if (!state) states.set(imap, (state = { condstore: false, qresync: false }));
  return state;
}

/** A CONDSTORE enabling command ran (RFC 7162 §3.1); answers BAD when CONDSTORE is not offered. */
export function enableCondstore(imap: ImapSession, what: string): SyncState {
  if (!offers(imap, 'CONDSTORE')) throw bad(`unknown argument ${what} (CONDSTORE is not offered)`);
  const state = syncOf(imap);
  state.condstore = true;
  return state;
}

/** A mod-sequence value (RFC 7162 §7 `mod-sequence-value`: 1 to 2^63-1); `zeroOk` for
 *  `mod-sequence-valzer` (CHANGEDSINCE 0, UNCHANGEDSINCE 0). */
export function modseqArg(token: Token | undefined, what: string, zeroOk = false): number {
  const text = token?.type === 'atom' && !token.section ? token.value : '';
  if (!/^\d{1,19}$/.test(text)) throw bad(`expected ${what} (a mod-sequence number)`);
  const value = Number(text);
  if (!zeroOk && value === 0) throw bad(`${what} must be at least 1`);
  return value;
}
