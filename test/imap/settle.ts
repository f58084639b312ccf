import type { Sandbox } from '../../src/index.js';

/**
 * Waits (bounded) until every session the sandbox opened has closed. Tests call it before
 * `sb.close()`: resetting a session whose client is still connected spins the event loop on Node 20
 * (the core's reset() calls end() then resetAndDestroy(), which fails with EINVAL and keeps polling).
 */
export async function sessionsSettled(sb: Sandbox, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const events = sb.transcript.history();
    const closed = new Set(events.filter((e) => e.type === 'session-close').map((e) => e.sid));
    if (events.every((e) => e.type !== 'session-open' || closed.has(e.sid))) return;
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
