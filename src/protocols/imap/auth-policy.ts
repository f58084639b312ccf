import type { ImapSession } from './session.js';

/**
 * The auth decisions of the IMAP side, in one place: which SASL mechanisms are listed and which work,
 * and whether a plain-text LOGIN may happen on this connection (RFC 3501 §6.2.3, §7.2.1 LOGINDISABLED).
 * Without a scenario every mechanism works everywhere, because the user wants to watch a client do it;
 * a scenario may narrow them, per TLS phase, or want TLS first (RFC 8314).
 */
export function offeredMechanisms(imap: ImapSession): readonly string[] {
  return imap.authPolicy().advertised;
}

export function acceptedMechanisms(imap: ImapSession): readonly string[] {
  return imap.authPolicy().accepted;
}

/** LOGINDISABLED until TLS when a scenario wants TLS before any authentication (RFC 3501 §6.2.3). */
export function plaintextLoginAllowed(imap: ImapSession): boolean {
  return !(imap.authPolicy().requireTls && imap.session.tls === null);
}
