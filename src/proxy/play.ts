import type { Session } from '../core/session.js';
import { isTransport, playTransport, waitOut } from '../scenario/transport.js';
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

/** A protocol's own verdicts (refuse, notice) in its words, or null for one it cannot play here. */
export type Render = (verdict: ActiveVerdict) => Played | null;

/**
 * Plays a verdict in front of a real server: transport verdicts as every protocol plays them
 * (scenario/transport.ts, on the client's socket); a refusal keeps the command from the upstream, so
 * the server's state stays what the client believes (a refused RCPT is no recipient upstream either).
 */
export async function playInProxy(verdict: Verdict, session: Session, render: Render): Promise<Played> {
  if (verdict.kind === 'pass') return { kind: 'forward' };
  if (!(await waitOut(verdict, session))) return { kind: 'stop' };
  if (isTransport(verdict))
    return (await playTransport(verdict, session)) === 'stop' ? { kind: 'stop' } : { kind: 'forward' };
  const played = render(verdict);
  if (played) return played;
  session.note(
    'warn',
    `scenario rule ${verdict.rule}: ${verdict.kind} cannot be played in front of a real server; the command went upstream as usual`,
  );
  return { kind: 'forward' };
}
