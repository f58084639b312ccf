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

/**
 * LOGINDISABLED (RFC 3501 §6.2.3) until TLS when a scenario wants TLS before any authentication, and
 * whenever a scenario's mechanisms leave out PLAIN: Dovecot runs LOGIN as SASL PLAIN, so with
 * `auth_mechanisms = scram-sha-256` it lists LOGINDISABLED and refuses LOGIN.
 */
export function plaintextLoginAllowed(imap: ImapSession): boolean {
  const policy = imap.authPolicy();
  return !(policy.requireTls && imap.session.tls === null) && policy.plaintext;
}

/** Why LOGIN is refused here, in Dovecot's words (null: it is allowed). */
export function loginRefusal(imap: ImapSession): { code: string; text: string } | null {
  const policy = imap.authPolicy();
  if (policy.requireTls && imap.session.tls === null)
    return {
      code: 'PRIVACYREQUIRED',
      text: 'Plain-text login is disabled on this connection, use STARTTLS first',
    };
  if (policy.plaintext) return null;
  imap.session.note(
    'info',
    `scenario ${imap.scenario.name}: LOGIN refused: it is SASL PLAIN, which is not accepted (${policy.accepted.join(', ') || 'none'})`,
  );
  return { code: 'ALERT', text: 'Unsupported authentication mechanism.' };
}
