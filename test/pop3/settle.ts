import type { Sandbox } from '../../src/index.js';
import type { RawClient } from '../helpers/raw-client.js';

/**
 * Closes the test's raw clients and waits until the server has seen every POP3 session end, so that
 * `sandbox.close()` never has to cut a live connection (a socket that was `end()`ed and then
 * `resetAndDestroy()`ed keeps Node 20 spinning at exit).
 */
export async function closeClients(sb: Sandbox, clients: RawClient[], timeoutMs = 5_000): Promise<void> {
  for (const c of clients) c.close();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = sb.transcript.history();
    const open = new Set<string>();
    for (const e of events) {
      if (e.proto !== 'pop3') continue;
      if (e.type === 'session-open') open.add(e.sid);
      if (e.type === 'session-close') open.delete(e.sid);
    }
    if (open.size === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
