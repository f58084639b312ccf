import { DEFAULT_MECHANISMS } from '../../auth/registry.js';
import type { Session } from '../../core/session.js';

/**
 * The auth decisions of the IMAP side, in one place so a scenario can change them later:
 * which SASL mechanisms are offered (and so accepted), and whether a plain-text LOGIN may happen on
 * this connection (RFC 3501 §6.2.3, §7.2.1 LOGINDISABLED; RFC 8314 would say "not before TLS").
 */
export function offeredMechanisms(_session: Session): readonly string[] {
  return DEFAULT_MECHANISMS;
}

/** The sandbox default: allowed everywhere, because the user wants to watch a client do it. */
export function plaintextLoginAllowed(_session: Session): boolean {
  return true;
}
