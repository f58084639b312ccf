import type { FindingSeverity } from '../transcript/events.js';

/**
 * Every finding a rule can report: its stable id (users grep for it, CI may fail on it), its
 * severity, and what it means (the README lists the same sentence).
 */
export const FINDINGS = {
  'plaintext-auth': {
    severity: 'error',
    about: 'credentials sent without TLS (AUTH PLAIN/LOGIN, IMAP LOGIN, POP3 USER/PASS; APOP excepted)',
  },
  'starttls-not-used': {
    severity: 'warn',
    about: 'the server offered STARTTLS/STLS, the client did not take it and went on in plain text',
  },
  'tls-not-verified': {
    severity: 'error',
    about:
      'the client finished a handshake with a certificate it should have refused (expired, wrong host, unknown CA) and kept talking',
  },
  'weak-tls': { severity: 'warn', about: 'TLS below 1.2 was negotiated' },
  'bare-lf': {
    severity: 'error',
    about: 'a line of a message (DATA or APPEND) ends in LF without CR (RFC 5322 §2.3, RFC 5321 §2.3.8)',
  },
  'bare-cr': {
    severity: 'error',
    about: 'a message (DATA or APPEND) holds a CR not followed by LF (RFC 5322 §2.3, RFC 5321 §2.3.8)',
  },
  'line-too-long': {
    severity: 'error',
    about: 'a line of the message is over 998 octets (RFC 5322 §2.1.1)',
  },
  '8bit-without-8bitmime': {
    severity: 'warn',
    about: 'the message has 8-bit octets but MAIL FROM had no BODY=8BITMIME (RFC 6152)',
  },
  'smtputf8-without-extension': {
    severity: 'error',
    about: 'a UTF-8 address without SMTPUTF8 on MAIL FROM, or SMTPUTF8 used when not offered (RFC 6531 §3.4)',
  },
  'pipelining-without-extension': {
    severity: 'warn',
    about:
      'the client sent a command before the reply to the previous one, without PIPELINING offered (RFC 2920, RFC 2449 §6.6)',
  },
  'ignored-error': {
    severity: 'warn',
    about:
      'the client went on as if a failure had succeeded (DATA after every RCPT was refused, FETCH after a failed SELECT, STAT after -ERR to PASS)',
  },
  'retried-permanent-failure': {
    severity: 'warn',
    about: 'the same transaction came again after a 5xx, which says never to retry (RFC 5321 §4.2.1)',
  },
  'retry-too-fast': {
    severity: 'warn',
    about: 'after a 4xx the client came back within the retry window (RFC 5321 §4.5.4.1; greylisting)',
  },
  'auth-downgrade': {
    severity: 'warn',
    about: 'after a stronger SASL mechanism failed the client fell back to a plain-text one',
  },
  'login-despite-logindisabled': {
    severity: 'error',
    about: 'IMAP LOGIN sent although the server announced LOGINDISABLED (RFC 3501 §6.2.3)',
  },
  'stale-uids-after-uidvalidity-change': {
    severity: 'error',
    about: 'after UIDVALIDITY changed the client used UIDs it knew from before (RFC 3501 §2.3.1.1)',
  },
  'dele-without-quit': {
    severity: 'warn',
    about:
      'POP3 messages marked with DELE, but the client left without QUIT: nothing was deleted (RFC 1939 §6)',
  },
  'no-quit': { severity: 'info', about: 'the client closed the connection without QUIT/LOGOUT' },
} as const satisfies Record<string, { severity: FindingSeverity; about: string }>;

export type FindingId = keyof typeof FINDINGS;

export interface Finding {
  id: FindingId;
  severity: FindingSeverity;
  message: string;
  /** 1-based line of the session's transcript file (.txt and .jsonl alike) the finding points at. */
  line: number;
  /** The seq of that event. */
  at: number;
}
