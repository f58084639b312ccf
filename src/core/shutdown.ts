import type { Session } from './session.js';

/** What a listener says to its clients when it will not serve them: each protocol's own words. */
export interface Goodbyes {
  /** To every session at shutdown (SMTP 421 4.3.2, IMAP * BYE, POP3 -ERR). */
  shutdown: string;
  /** To a client past the connection cap. */
  tooMany: string;
}

const POLL_MS = 25;

/**
 * A graceful shutdown, the postfix way: the listener has already stopped accepting; a session with a
 * command in progress (a partial line, a literal, a DATA whose final dot is on its way, a command
 * being carried out) gets up to `graceMs` to finish it and have its reply sent; then every session
 * gets `goodbye` and is closed. A reply never goes out for work that is then dropped: a DATA cut by
 * the goodbye is not stored (smtp/deliver.ts checks that the session is still open).
 */
export async function shutDownSessions(
  sessions: Iterable<Session>,
  goodbye: string,
  graceMs: number,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  const all = [...sessions];
  // Mid-handshake a plain-text goodbye would be garbage to the TLS client: cut those at once.
  for (const s of all) if (s.tlsPending) s.reset('server shutting down');
  // Polling, bounded by the deadline: "in a command" has several sources (reader, queue, SMTP DATA) and a
  // shutdown is rare; a 25 ms tick costs nothing and needs no hooks in each of them.
  while (all.some((s) => !s.closed && s.inCommand) && Date.now() < deadline) {
    for (const s of all) if (!s.closed && !s.inCommand) s.goodbye(goodbye, 'server shutting down');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  for (const s of all) {
    if (s.closed) continue;
    if (s.inCommand)
      s.note('warn', `shutting down: the command in progress did not finish within ${graceMs} ms`);
    s.goodbye(goodbye, 'server shutting down');
  }
}
