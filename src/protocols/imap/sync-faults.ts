import type { Session } from '../../core/session.js';
import type { Outcome } from '../../scenario/transport.js';
import type { MailStore } from '../../store/mail-store.js';
import { compressionOf } from './compress.js';
import type { ImapActions } from './scenario.js';

/**
 * Sync failures real servers produce, played by a scenario rule's `syncFault` (scenarios/README.md):
 * - `modseq-backwards`: from now on this session is told a HIGHESTMODSEQ half of the real one (SELECT,
 *   EXAMINE, STATUS), as a server restored from a backup tells it; RFC 7162 §3.1.2.1 says it must not.
 * - `vanished-unknown`: `* VANISHED (EARLIER)` for UIDs above UIDNEXT, which no client ever saw.
 * - `closed`: `* OK [CLOSED]` with no SELECT asking for it; the session is no longer selected, so the
 *   command (a FETCH, a NOOP) runs, or fails, as in the authenticated state.
 * - `corrupt-stream`: under COMPRESS=DEFLATE, bytes the deflate stream never made, in the middle of it.
 */
export type SyncFault = 'modseq-backwards' | 'vanished-unknown' | 'closed' | 'corrupt-stream';

const lowered = new WeakSet<Session>();

/** The HIGHESTMODSEQ this session is told (a `modseq-backwards` fault halves it). */
export function reportedModseq(core: Session, highest: number): number {
  return lowered.has(core) ? Math.max(1, Math.floor(highest / 2)) : highest;
}

/** Bytes that are no deflate block: the client's inflater fails on them (RFC 1951 §3.2.3 BTYPE 11). */
const GARBAGE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37, 0x42]);

export async function playSyncFault(
  fault: SyncFault,
  at: { core: Session; store: MailStore; actions: ImapActions; why: string },
): Promise<Outcome> {
  const { core, store, actions, why } = at;
  switch (fault) {
    case 'modseq-backwards':
      lowered.add(core);
      core.note('info', `${why}: HIGHESTMODSEQ is reported at half its value from now on`);
      return 'proceed';
    case 'vanished-unknown': {
      const mailbox = actions.mailbox();
      const folder = mailbox && (await store.folder(mailbox.drop, mailbox.folder));
      if (!folder) return skipped(core, why, 'no mailbox to report VANISHED for');
      const from = folder.uidNext + 100;
      actions.send(`* VANISHED (EARLIER) ${from}:${from + 2}`);
      return 'proceed';
    }
    case 'closed':
      actions.send('* OK [CLOSED] Mailbox closed.');
      actions.deselect();
      return 'proceed';
    case 'corrupt-stream': {
      const compression = compressionOf(core);
      if (!compression) return skipped(core, why, 'COMPRESS is not active');
      compression.corrupt(GARBAGE);
      core.note('info', `${why}: ${GARBAGE.length} bytes that are no deflate data written into the stream`);
      return 'proceed';
    }
  }
}

function skipped(core: Session, why: string, reason: string): Outcome {
  core.note('warn', `${why}: ${reason}, nothing done`);
  return 'proceed';
}
