import type { StoredMessage } from '../../store/types.js';
import { bad } from './errors.js';
import type { MailboxView } from './mailbox-view.js';
import { atomArg, listArg, numberArg } from './parser/args.js';
import {
  compactSet,
  inRanges,
  parseSequenceSet,
  resolveRanges,
  type SequenceSet,
} from './parser/sequence-set.js';
import type { Token } from './parser/tokenizer.js';
import { modseqArg } from './sync.js';

/** `(QRESYNC (uidvalidity modseq [known-uids [(seq-match-data)]]))` of SELECT/EXAMINE (RFC 7162 §3.2.5). */
export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  knownUids: SequenceSet | null;
}

export function readQresync(token: Token | undefined): QresyncParams {
  const items = listArg(token, 'QRESYNC parameters (uidvalidity modseq [known-uids])');
  if (items.length < 2 || items.length > 4)
    throw bad('QRESYNC takes (uidvalidity modseq [known-uids [seq-match]])');
  const uidValidity = numberArg(items[0], 'the UIDVALIDITY the client knows');
  if (uidValidity === 0) throw bad('UIDVALIDITY must be at least 1');
  const modseq = modseqArg(items[1], 'the last known mod-sequence');
  const knownUids = items[2] ? parseSequenceSet(atomArg(items[2], 'the known UIDs')) : null;
  // §3.2.5.2: the sequence match data only helps a server that forgot expunges; it is checked, not used
  // (every expunge this store remembers, or it sends every missing UID of the range).
  if (items[3]) {
    const match = listArg(items[3], 'sequence match data (sequence-set uid-set)');
    if (match.length !== 2) throw bad('sequence match data is (known-sequence-set known-uid-set)');
    for (const t of match) parseSequenceSet(atomArg(t, 'a sequence set'));
  }
  return { uidValidity, modseq, knownUids };
}

/**
 * UIDs of `range` (the client's known UIDs, else every UID below UIDNEXT) expunged since `modseq`: from the
 * folder's expunge log, or, when the log no longer reaches back that far, every UID of the range that is
 * not in the mailbox (RFC 7162 §3.2.10 lets VANISHED name UIDs the client never saw).
 */
export function vanishedSince(view: MailboxView, modseq: number, range: SequenceSet | null): number[] {
  const folder = view.folderState;
  const max = folder.uidNext - 1;
  const ranges = range ? resolveRanges(range, max) : [[1, max] as const];
  // A UID this session still shows (its EXPUNGE not yet sent) is left for that EXPUNGE/VANISHED:
  // VANISHED (EARLIER) does not change the client's message count (§3.2.10).
  const present = new Set(view.messages.map((m) => m.uid));
  const logged = folder.expunged.since(modseq);
  if (logged) return logged.filter((uid) => inRanges(ranges, uid) && !present.has(uid));
  for (const m of folder.messages) present.add(m.uid);
  const out: number[] = [];
  for (const [a, b] of ranges)
    for (let uid = a; uid <= Math.min(b, max); uid++) if (!present.has(uid)) out.push(uid);
  return out;
}

/** The untagged FETCH of a message's UID, FLAGS and MODSEQ that QRESYNC and CHANGEDSINCE send. */
export function changedLine(view: MailboxView, seq: number, message: StoredMessage): string {
  return `* ${seq} FETCH (UID ${message.uid} FLAGS ${view.flagsText(message)} MODSEQ (${message.modseq}))`;
}

/**
 * What SELECT/EXAMINE (QRESYNC ...) adds (RFC 7162 §3.2.5): nothing when the UIDVALIDITY differs (the
 * client must start over), else `* VANISHED (EARLIER)` for what was expunged since the client's modseq,
 * then a FETCH for every message changed (or new) since.
 */
export function qresyncLines(view: MailboxView, params: QresyncParams): string[] {
  if (params.uidValidity !== view.uidValidity) return [];
  const lines: string[] = [];
  const vanished = vanishedSince(view, params.modseq, params.knownUids);
  if (vanished.length) lines.push(`* VANISHED (EARLIER) ${compactSet(vanished)}`);
  view.messages.forEach((message, i) => {
    if (message.modseq > params.modseq) lines.push(changedLine(view, i + 1, message));
  });
  return lines;
}
