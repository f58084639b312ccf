import type { Folder, StoredMessage } from '../../store/types.js';

/**
 * RFC 3501 §2.3.2 `\Recent`: a message is recent in exactly one session, the first to have its mailbox
 * selected read-write after it arrived. As in Dovecot's index, one number per mailbox says how far that
 * went: the highest UID some session has claimed. Everything above it is recent for the next SELECT (or
 * for the first read-write session told of it with EXISTS); EXAMINE and STATUS look without claiming.
 *
 * Keyed by the store's Folder object, so the mark follows a RENAME and goes with a DELETE. It is not
 * persisted: after a restart with `--maildir` every message is recent for the first SELECT (RFC 3501
 * §2.3.2 leaves that open; treating them as recent is the safe side).
 */
const claimedUpTo = new WeakMap<Folder, number>();

/** The UIDs of `messages` nobody has claimed yet; with `claim`, they are this session's from now on. */
export function takeRecent(folder: Folder, messages: readonly StoredMessage[], claim: boolean): number[] {
  const mark = claimedUpTo.get(folder) ?? 0;
  const uids: number[] = [];
  let top = mark;
  for (const m of messages)
    if (m.uid > mark) {
      uids.push(m.uid);
      top = Math.max(top, m.uid);
    }
  if (claim && top > mark) claimedUpTo.set(folder, top);
  return uids;
}

/** STATUS (RECENT): the messages no session has claimed (what Dovecot counts). */
export function unclaimedCount(folder: Folder): number {
  const mark = claimedUpTo.get(folder) ?? 0;
  let n = 0;
  for (let i = folder.messages.length - 1; i >= 0 && folder.messages[i]!.uid > mark; i--) n++;
  return n;
}
