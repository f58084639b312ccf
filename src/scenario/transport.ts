import type { Session } from '../core/session.js';
import { describeCut, installWriteFault } from './faults.js';
import type { ActiveVerdict, TransportVerdict } from './verdicts.js';

/** What a verdict leaves for the command: carry on, or stop (the scenario answered or hung up). */
export type Outcome = 'proceed' | 'stop';

const TRANSPORT = new Set<ActiveVerdict['kind']>([
  'delay',
  'disconnect',
  'stall',
  'throttle',
  'slice',
  'cut',
]);

/** The verdict is one `playTransport` plays (the same in every protocol). */
export function isTransport(v: ActiveVerdict): v is TransportVerdict {
  return TRANSPORT.has(v.kind);
}

/** A verdict's delay, waited out (a line protocol waits inside its command queue, so later commands
 *  wait too). False when the session ended meanwhile. */
export async function waitOut(v: ActiveVerdict, session: Session): Promise<boolean> {
  if (v.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, v.delayMs).unref());
  return !session.closed;
}

/**
 * The transport verdicts, played once for SMTP, IMAP and POP3 (their delay already waited out, see
 * `waitOut`): `delay` carries on; `disconnect` closes (FIN) or resets (RST); `stall` answers nothing
 * and resolves only when the session ends (closed after `closeAfterMs` if given); `throttle` and
 * `slice` shape every later write; `cut` lets `afterBytes` more bytes out, then closes with FIN (an
 * RST could discard the bytes let out; toxiproxy's limit_data), and hands its meter to the session's
 * ReplyWriter so the transcript records the replies as far as they went out. A protocol that cuts
 * something else (SMTP: an incoming message at DATA) handles that `cut` itself.
 */
export async function playTransport(v: TransportVerdict, session: Session): Promise<Outcome> {
  const why = `scenario rule ${v.rule}`;
  switch (v.kind) {
    case 'delay':
      return 'proceed';
    case 'disconnect':
      if (v.how === 'rst') session.reset(`${why}: reset`);
      else session.close(`${why}: disconnect`);
      return 'stop';
    case 'stall':
      // Nothing is answered; a line protocol's queue holds every later command until the session ends.
      if (v.closeAfterMs !== null) setTimeout(() => session.close(`${why}: stalled`), v.closeAfterMs).unref();
      await new Promise<void>((resolve) => session.onClose(() => resolve()));
      return 'stop';
    case 'throttle':
      installWriteFault(session.socket, { kind: 'throttle', bytesPerSecond: v.bytesPerSecond });
      return 'proceed';
    case 'slice':
      installWriteFault(session.socket, { kind: 'slice', bytes: v.bytes, pieceDelayMs: v.pieceDelayMs });
      return 'proceed';
    case 'cut': {
      const meter = installWriteFault(session.socket, {
        kind: 'cut',
        afterBytes: v.afterBytes,
        onCut: (cut) => {
          session.note('info', describeCut(v.rule, cut));
          session.close(`${why}: connection cut after ${cut.sent} bytes, mid-reply`);
        },
      });
      session.replies.meter(meter);
      return 'proceed';
    }
  }
}
