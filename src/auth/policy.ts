import { DEFAULT_OAUTH, type OAuthPolicy } from './oauth.js';
import { DEFAULT_MECHANISMS } from './registry.js';

/** Which mechanisms a session lists and takes, and what else its protocol's logins may do. */
export interface AuthPolicy {
  /** Mechanisms to list (EHLO AUTH, CAPABILITY AUTH=, CAPA SASL). */
  advertised: string[];
  /** Mechanisms that work when a client uses them. */
  accepted: string[];
  /** Refuse authentication before TLS. */
  requireTls: boolean;
  /**
   * IMAP LOGIN and POP3 USER/PASS work: Dovecot runs them as SASL PLAIN, so they work only while PLAIN
   * is accepted (with `auth_mechanisms = scram-sha-256` it lists LOGINDISABLED and refuses both).
   */
  plaintext: boolean;
  /** POP3 APOP works: only while the scenario leaves the mechanisms alone (Dovecot: APOP not enabled). */
  apop: boolean;
  /** How XOAUTH2 and OAUTHBEARER tokens fare (oauth.ts). */
  oauth: OAuthPolicy;
  /** The text of a refused login in this protocol (a provider's wording), or null for the sandbox's. */
  failure: string[] | null;
}

/** Mechanism lists as a scenario states them: for the whole session, or for one TLS phase. */
export interface MechanismSet {
  mechanisms?: string[];
  accept?: string[];
}

/** A scenario's `auth` settings (its global ones, or one protocol's own). */
export interface AuthSettings extends MechanismSet {
  beforeTls?: MechanismSet;
  afterTls?: MechanismSet;
  requireTls?: boolean;
  oauth?: OAuthPolicy;
  failure?: string | string[];
}

/**
 * The one auth policy of SMTP, IMAP and POP3: a protocol's own settings win over the global ones, a
 * TLS phase's over both; without any, `defaults` (the sandbox's mechanisms: DEFAULT_MECHANISMS unless
 * `--auth-mechanisms` says otherwise) are offered and accepted.
 */
export function decideAuthPolicy(
  own: AuthSettings,
  global: AuthSettings,
  secure: boolean,
  defaults: readonly string[] = DEFAULT_MECHANISMS,
): AuthPolicy {
  const phase = secure ? (own.afterTls ?? global.afterTls) : (own.beforeTls ?? global.beforeTls);
  const requireTls = own.requireTls ?? global.requireTls ?? false;
  const base = phase?.mechanisms ?? own.mechanisms ?? global.mechanisms ?? [...defaults];
  const accepted = phase?.accept ?? own.accept ?? global.accept ?? base;
  // RFC 3207 §6 / RFC 2595 §3.2: a server that wants TLS first does not list mechanisms before it.
  const hideBeforeTls = requireTls && !secure && !phase?.mechanisms;
  const narrowed = [own, global, phase ?? {}].some((c) => c.mechanisms ?? c.accept);
  const usable = requireTls && !secure ? [] : accepted;
  const failure = own.failure ?? global.failure;
  return {
    advertised: hideBeforeTls ? [] : base,
    accepted: usable,
    requireTls,
    plaintext: usable.includes('PLAIN'),
    apop: !narrowed && !(requireTls && !secure),
    oauth: own.oauth ?? global.oauth ?? DEFAULT_OAUTH,
    failure: failure === undefined ? null : Array.isArray(failure) ? failure : [failure],
  };
}
