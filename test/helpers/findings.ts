import type { Sandbox } from '../../src/index.js';
import type { SessionReport } from '../../src/report/runner.js';
import { waitFor } from './wait.js';

/** The report of the sessions opened after the first `beforeCount`, once `count` of them are closed. */
export async function closedSessions(
  sb: Sandbox,
  beforeCount: number,
  count: number,
): Promise<SessionReport[]> {
  return waitFor(() => {
    const sessions = sb.report().sessions.slice(beforeCount);
    const closed = sb.transcript.history().filter((e) => e.type === 'session-close').length;
    return sessions.length >= count && closed >= beforeCount + count ? sessions : null;
  }, `${count} closed sessions`);
}
