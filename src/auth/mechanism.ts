import type { OAuthError } from './oauth.js';

/**
 * Server side of a SASL mechanism (RFC 4422), protocol-neutral: IMAP AUTHENTICATE, POP3 AUTH and the
 * SMTP AUTH interception all drive the same exchanges. Payloads are raw bytes; each protocol does its
 * own base64 framing (`334 `, `+ `).
 */
export type Credentials =
  | { mechanism: 'PLAIN' | 'LOGIN'; authzid: string; username: string; password: string }
  | { mechanism: 'CRAM-MD5'; username: string; challenge: string; digest: string }
  | { mechanism: 'XOAUTH2' | 'OAUTHBEARER'; username: string; token: string }
  | { mechanism: 'APOP'; username: string; timestamp: string; digest: string }
  /** Challenge-response mechanisms that need the password mid-exchange check the proof themselves
   *  (through `MechanismContext.passwordOf`); `proof` says what they found. */
  | {
      mechanism: 'DIGEST-MD5' | 'SCRAM-SHA-1' | 'SCRAM-SHA-256';
      username: string;
      proof: 'valid' | 'invalid' | 'unchecked';
    }
  | { mechanism: 'ANONYMOUS'; username: 'anonymous'; trace: string };

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
  /** The user's password when the server knows it (users mode), else null. SCRAM and DIGEST-MD5 need
   *  it during the exchange to check the proof and to sign their last server message. */
  passwordOf?: (username: string) => string | null;
}

export interface Mechanism {
  readonly name: string;
  create(ctx: MechanismContext): SaslExchange;
  /** Human reading of a client payload at step `index` (0 = initial response), for the transcript. */
  describe(payload: Buffer, index: number): string;
  /** Sent as a last challenge when the credentials are refused, before the failure reply (RFC 7628
   *  §3.2.2: OAUTHBEARER's JSON error; the client answers with a dummy response). */
  errorChallenge?(why: OAuthError): Buffer;
}

/**
 * An exchange that starts with the client's message: taken from the initial response when there is one
 * (SASL-IR, `AUTH PLAIN xxx`), otherwise asked for with an empty challenge (RFC 4422 §3.3). `take`
 * reads every later response too.
 */
export function clientStarts(take: (response: Buffer) => SaslStep): SaslExchange {
  return {
    start: (initial) =>
      initial && initial.length ? take(initial) : { kind: 'challenge', data: Buffer.alloc(0) },
    step: take,
  };
}

export function fail(reason: string): SaslStep {
  return { kind: 'fail', reason };
}

/** Quote a credential for display, keeping control characters visible. */
export function show(value: string): string {
  return JSON.stringify(value);
}
