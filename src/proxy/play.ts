import type { Session } from '../core/session.js';
import { describeCut, installWriteFault } from '../scenario/faults.js';
import type { ActiveVerdict, Verdict } from '../scenario/verdicts.js';

/** What the proxy does with a client's command once the scenario answered. */
export type Played =
  /** Send it upstream; the upstream's reply goes to the client (maybe shaped: throttle, slice, cut). */
  | { kind: 'forward' }
  /** Do not send it upstream: these lines are the reply (then close when `close`). */
  | { kind: 'local'; lines: string[]; close: boolean }
  /** Say these lines, then send the command upstream as usual (IMAP `* OK [ALERT]`). */
  | { kind: 'announce'; lines: string[] }
  /** The session ended or hangs (disconnect, stall). */
  | { kind: 'stop' };

/** A protocol's own verdicts in its words, or null for a verdict it cannot play in front of a server. */
export type Render = (verdict: ActiveVerdict) => Played | null;

/**
 * Plays a verdict in front of a real server. Transport faults act on the client's socket as in the
 * sandbox's own sessions (scenario/faults.ts); a verdict that replaces a reply keeps the command from
 * the upstream, so the server's state stays what the client believes (a refused RCPT is not a
 * recipient upstream either).
 */
export async function playInProxy(verdict: Verdict, session: Session, render: Render): Promise<Played> {
  if (verdict.kind === 'pass') return { kind: 'forward' };
  if (verdict.delayMs > 0) await new Promise((r) => setTimeout(r, verdict.delayMs).unref());
  if (session.closed) return { kind: 'stop' };
  const why = `scenario rule ${verdict.rule}`;
  switch (verdict.kind) {
    case 'delay':
      return { kind: 'forward' };
    case 'disconnect':
      if (verdict.how === 'rst') session.reset(`${why}: reset`);
      else session.close(`${why}: disconnect`);
      return { kind: 'stop' };
    case 'stall':
      if (verdict.closeAfterMs !== null)
        setTimeout(() => session.close(`${why}: stalled`), verdict.closeAfterMs).unref();
      await new Promise<void>((resolve) => session.onClose(() => resolve()));
      return { kind: 'stop' };
    case 'throttle':
      installWriteFault(session.socket, { kind: 'throttle', bytesPerSecond: verdict.bytesPerSecond });
      return { kind: 'forward' };
    case 'slice':
      installWriteFault(session.socket, {
        kind: 'slice',
        bytes: verdict.bytes,
        pieceDelayMs: verdict.pieceDelayMs,
      });
      return { kind: 'forward' };
    case 'cut':
      installWriteFault(session.socket, {
        kind: 'cut',
        afterBytes: verdict.afterBytes,
        onCut: (cut) => {
          session.note('info', describeCut(verdict.rule, cut));
          session.close(`${why}: connection cut after ${cut.sent} bytes, mid-reply`);
        },
      });
      return { kind: 'forward' };
    default: {
      const played = render(verdict);
      if (played) return played;
      session.note(
        'warn',
        `${why}: ${verdict.kind} cannot be played in front of a real server; the command went upstream as usual`,
      );
      return { kind: 'forward' };
    }
  }
}
