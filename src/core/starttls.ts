import type { Session } from './session.js';

/**
 * What a scenario may make of STARTTLS (SMTP STARTTLS, IMAP STARTTLS, POP3 STLS): offer it, hide it
 * (answered as on a port without it), refuse it (RFC 3207 §4 454, RFC 3501 §6.2.1 NO, RFC 2595 §4
 * -ERR), or accept it and abort the handshake.
 */
export type StartTlsPolicy = 'offer' | 'hide' | 'refuse' | 'abort';

/** What the command does now, whatever the protocol; each protocol says it in its own words. */
export type StartTlsStep = 'not-offered' | 'already-secure' | 'refuse' | 'abort' | 'upgrade';

/** STARTTLS is on this port, the session is not secure yet, and no scenario hides it. */
export function startTlsOffered(session: Session, policy: StartTlsPolicy): boolean {
  return session.listener.tls === 'starttls' && session.tls === null && policy !== 'hide';
}

export function startTlsStep(session: Session, policy: StartTlsPolicy): StartTlsStep {
  if (session.tls) return 'already-secure';
  if (!startTlsOffered(session, policy)) return 'not-offered';
  if (policy === 'refuse') return 'refuse';
  return policy === 'abort' ? 'abort' : 'upgrade';
}

/**
 * The `abort` policy, the same in every protocol, after the protocol said yes: nothing more is read
 * as a command, and the connection is reset when the ClientHello arrives, so the client sees its
 * handshake fail (a reset, not a clean end). Reset on a socket never ended (Session.reset), which
 * Node 20 handles without spinning.
 */
export function abortHandshake(session: Session, verb: string): void {
  session.note('info', `scenario: ${verb} accepted, the handshake will be aborted`);
  const socket = session.socket;
  socket.unpipe();
  socket.removeAllListeners('data');
  socket.once('data', () => session.reset('scenario: TLS handshake aborted'));
  socket.resume();
}
