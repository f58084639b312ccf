import { decodeBase64, describeChallenge, describeSaslPayload } from '../transcript/decode.js';
import type { SaslStep } from './mechanism.js';
import { scriptedTokenError, TOKEN_MECHANISMS } from './oauth.js';
import type { AuthPolicy } from './policy.js';
import { findMechanism } from './registry.js';
import { passwordLookup, verifyCredentials, type UserDirectory } from './verify.js';

/**
 * What a protocol gives the SASL driver: its framing of a challenge (SMTP `334 `, IMAP and POP3 `+ `),
 * its way of reading the client's next line, and its question to the scenario. The driver owns the rest.
 */
export interface SaslWire {
  /** Sends one challenge in the protocol's words; `decoded` is its reading for the transcript. */
  challenge(base64: string, decoded: string | undefined): void;
  /** The client's next line, recorded with `describe(line)` as its reading; null if the connection closed. */
  nextLine(describe: (line: string) => string): Promise<string | null>;
  /** Asks the scenario at point `auth` once the user is known; `stop` when its verdict answered. */
  askAuth(mechanism: string, username: string): Promise<'proceed' | 'stop'>;
}

/** Where the driver reports: the session's auth events and notes. */
export interface SaslAudit {
  auth(mechanism: string, username: string, ok: boolean): void;
  note(level: 'info' | 'warn', text: string): void;
}

export interface SaslRequest {
  /** The mechanism as the client named it. */
  mechanism: string;
  /** The initial response as typed (`=` is an empty one: RFC 4954 §4, RFC 4959, RFC 5034 §4); undefined: none. */
  initial: string | undefined;
  policy: AuthPolicy;
  secure: boolean;
  users: UserDirectory;
  /** The server name put into challenges (CRAM-MD5, DIGEST-MD5). */
  hostname: string;
  audit: SaslAudit;
}

/** How an exchange ended; each protocol says it in its own final words. */
export type SaslResult =
  | { kind: 'accepted'; mechanism: string; username: string }
  /** Said in the protocol's words, or the policy's `failure` wording where a scenario gives one. */
  | { kind: 'refused'; mechanism: string; username: string }
  /** A scenario verdict at `auth` answered the client. */
  | { kind: 'answered' }
  /** The policy wants TLS before any authentication (RFC 3207 §4, RFC 3501 §6.2.2, RFC 2595 §3.2). */
  | { kind: 'tls-required' }
  | { kind: 'unsupported'; mechanism: string }
  /** The client sent `*` (RFC 4954 §4, RFC 3501 §6.2.2, RFC 5034 §4). */
  | { kind: 'cancelled' }
  /** A response (or the initial response) that is not base64. */
  | { kind: 'malformed'; initial: boolean; reason: string }
  /** The mechanism gave up on what the client sent. */
  | { kind: 'failed'; reason: string }
  | { kind: 'closed' };

/** No mechanism here needs more than three challenges; a client looping on them is cut off. */
const MAX_CHALLENGES = 8;

/**
 * One SASL exchange (RFC 4422) for SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH: the policy question
 * (is this mechanism accepted here, now?), the steps of the shared mechanisms, the transcript reading
 * of every payload, the scenario's say at `auth`, the check of the credentials and, for the token
 * mechanisms, the error challenge a refusal starts with (RFC 7628 §3.2.2).
 */
export async function runSasl(wire: SaslWire, req: SaslRequest): Promise<SaslResult> {
  if (req.policy.requireTls && !req.secure) return { kind: 'tls-required' };
  const name = req.mechanism.toUpperCase();
  const mechanism = req.policy.accepted.includes(name) ? findMechanism(name) : undefined;
  if (!mechanism) return { kind: 'unsupported', mechanism: name };
  const exchange = mechanism.create({ hostname: req.hostname, passwordOf: passwordLookup(req.users) });
  let first: Buffer | null = null;
  if (req.initial !== undefined) {
    first = req.initial === '=' ? Buffer.alloc(0) : decodeBase64(req.initial);
    if (!first) return { kind: 'malformed', initial: true, reason: 'initial response is not base64' };
  }
  // Payload 0 is the client's first message, whether it came as the initial response or not (an
  // empty initial response is none: the mechanism asks with an empty challenge, RFC 4422 §3.3).
  let index = first?.length ? 1 : 0;
  let step: SaslStep = exchange.start(first);
  for (let challenges = 0; step.kind === 'challenge'; challenges++) {
    if (challenges === MAX_CHALLENGES) return failed(req, name, 'too many steps');
    const base64 = step.data.toString('base64');
    wire.challenge(base64, describeChallenge(base64));
    const at = index++;
    const line = await wire.nextLine((text) => describeSaslPayload(name, text, at));
    if (line === null) return { kind: 'closed' };
    const text = line.trim();
    if (text === '*') return { kind: 'cancelled' };
    const data = decodeBase64(text);
    if (!data) return { kind: 'malformed', initial: false, reason: 'response is not base64' };
    step = exchange.step(data);
  }
  if (step.kind === 'fail') return failed(req, name, step.reason);
  const { credentials } = step;
  const { username } = credentials;
  if ((await wire.askAuth(name, username)) === 'stop') {
    req.audit.auth(name, username, false);
    return { kind: 'answered' };
  }
  if ('proof' in credentials && credentials.proof === 'unchecked')
    req.audit.note('info', `${name}: accept-any mode, the proof was not checked`);
  // The OAuth lab (oauth.ts): a scenario may refuse every token as expired or short of scope.
  const scripted = TOKEN_MECHANISMS.has(name) ? scriptedTokenError(req.policy.oauth) : null;
  if (scripted) req.audit.note('info', `${name}: the scenario refuses every token (${scripted.error})`);
  const ok = !scripted && verifyCredentials(req.users, credentials);
  req.audit.auth(name, username, ok);
  if (ok) return { kind: 'accepted', mechanism: name, username };
  const why = scripted ?? { error: 'invalid_token' as const, scope: req.policy.oauth.scope };
  const error = mechanism.errorChallenge?.(why);
  if (error) {
    // RFC 7628 §3.2.2: the error goes out as a challenge; the client answers (a dummy ^A), then fails.
    const base64 = error.toString('base64');
    wire.challenge(base64, describeChallenge(base64));
    if ((await wire.nextLine(() => 'client acknowledged the error')) === null) return { kind: 'closed' };
  }
  return { kind: 'refused', mechanism: name, username };
}

function failed(req: SaslRequest, name: string, reason: string): SaslResult {
  req.audit.note('warn', `AUTH ${name}: ${reason}`);
  req.audit.auth(name, '', false);
  return { kind: 'failed', reason };
}
