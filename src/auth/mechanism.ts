/**
 * Server side of a SASL mechanism (RFC 4422), protocol-neutral: IMAP AUTHENTICATE, POP3 AUTH and the
 * SMTP AUTH interception all drive the same exchanges. Payloads are raw bytes; each protocol does its
 * own base64 framing (`334 `, `+ `).
 */
export type Credentials =
  | { mechanism: 'PLAIN' | 'LOGIN'; authzid: string; username: string; password: string }
  | { mechanism: 'CRAM-MD5'; username: string; challenge: string; digest: string }
  | { mechanism: 'XOAUTH2' | 'OAUTHBEARER'; username: string; token: string }
  | { mechanism: 'APOP'; username: string; timestamp: string; digest: string };

export type SaslStep =
  | { kind: 'challenge'; data: Buffer }
  | { kind: 'done'; credentials: Credentials }
  | { kind: 'fail'; reason: string };

export interface SaslExchange {
  /** First step; `initial` is the initial response (SASL-IR, `AUTH PLAIN xxx`) or null. */
  start(initial: Buffer | null): SaslStep;
  step(response: Buffer): SaslStep;
}

export interface MechanismContext {
  /** The host name put into challenges (CRAM-MD5's `<...@host>`). */
  hostname: string;
}

export interface Mechanism {
  readonly name: string;
  create(ctx: MechanismContext): SaslExchange;
  /** Human reading of a client payload at step `index` (0 = initial response), for the transcript. */
  describe(payload: Buffer, index: number): string;
}

export function fail(reason: string): SaslStep {
  return { kind: 'fail', reason };
}

/** Quote a credential for display, keeping control characters visible. */
export function show(value: string): string {
  return JSON.stringify(value);
}
