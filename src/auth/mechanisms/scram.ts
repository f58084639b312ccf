import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  clientStarts,
  fail,
  show,
  type Mechanism,
  type MechanismContext,
  type SaslExchange,
  type SaslStep,
} from '../mechanism.js';

/**
 * SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), server side, without channel binding.
 *
 * The server needs the password to check the client's proof and to sign its last message. With a
 * user table (`passwordOf` answers) the proof is checked. In accept-any mode the password is unknown:
 * the proof is accepted unchecked, and server-final is signed as if the password were the user
 * name — a client logging in as alice/alice can verify it; any other client sees a signature
 * mismatch and, as RFC 5802 §5 asks, aborts. The transcript shows the proof as "unchecked".
 */
type Hash = 'sha1' | 'sha256';

export interface ScramOptions {
  /** Server part of the nonce (RFC test vectors fix it); random otherwise. */
  serverNonce?: string;
  /** Salt (raw bytes); random otherwise. */
  salt?: Buffer;
  iterations?: number;
}

const DEFAULT_ITERATIONS = 4096;

function hmac(hash: Hash, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** RFC 5802 §5.1 `saslname`: `=2C` and `=3D` stand for `,` and `=`. */
function decodeSaslName(name: string): string | null {
  if (/=(?!2C|3D)/.test(name)) return null;
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part.length >= 2 && part[1] === '=') map.set(part[0]!, part.slice(2));
  }
  return map;
}

/** The keys RFC 5802 §3 derives from the password. */
export function scramKeys(hash: Hash, password: string, salt: Buffer, iterations: number) {
  const saltedPassword = pbkdf2Sync(password, salt, iterations, hash === 'sha1' ? 20 : 32, hash);
  const clientKey = hmac(hash, saltedPassword, 'Client Key');
  return {
    clientKey,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: hmac(hash, saltedPassword, 'Server Key'),
  };
}

function parseClientFirst(text: string) {
  // gs2-header: cbind-flag "," [authzid] ","; we offer no channel binding (no -PLUS variant).
  const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(text);
  if (!m) return null;
  if (m[1]!.startsWith('p=')) return { error: 'channel binding is not supported' } as const;
  const bare = m[3]!;
  const attrs = attributes(bare);
  const user = decodeSaslName(attrs.get('n') ?? '');
  const nonce = attrs.get('r');
  if (!user || !nonce || bare.startsWith('m=')) return null;
  return { gs2Header: text.slice(0, text.length - bare.length), bare, user, nonce };
}

function createScramExchange(
  name: 'SCRAM-SHA-1' | 'SCRAM-SHA-256',
  hash: Hash,
  ctx: MechanismContext,
  options: ScramOptions = {},
): SaslExchange {
  type State =
    | { step: 'client-first' }
    | {
        step: 'client-final';
        user: string;
        nonce: string;
        gs2Header: string;
        clientFirstBare: string;
        serverFirst: string;
        salt: Buffer;
        iterations: number;
      }
    | { step: 'ack'; user: string; proof: 'valid' | 'unchecked' }
    | { step: 'over' };
  let state: State = { step: 'client-first' };

  const clientFirst = (payload: Buffer): SaslStep => {
    const parsed = parseClientFirst(payload.toString('utf8'));
    if (!parsed) return fail(`${name} client-first message is malformed`);
    if ('error' in parsed) return fail(`${name}: ${parsed.error}`);
    const salt = options.salt ?? randomBytes(16);
    const iterations = options.iterations ?? DEFAULT_ITERATIONS;
    const nonce = parsed.nonce + (options.serverNonce ?? randomBytes(18).toString('base64'));
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
    state = {
      step: 'client-final',
      user: parsed.user,
      nonce,
      gs2Header: parsed.gs2Header,
      clientFirstBare: parsed.bare,
      serverFirst,
      salt,
      iterations,
    };
    return { kind: 'challenge', data: Buffer.from(serverFirst) };
  };

  const clientFinal = (payload: Buffer): SaslStep => {
    if (state.step !== 'client-final') return fail('unexpected');
    const text = payload.toString('utf8');
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) return fail(`${name} client-final message has no proof`);
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    // RFC 5802 §7: c= is base64 of the gs2-header when no channel binding is used.
    if (attrs.get('c') !== Buffer.from(state.gs2Header).toString('base64'))
      return fail(`${name} channel binding data does not match the gs2 header`);
    if (attrs.get('r') !== state.nonce) return fail(`${name} nonce does not match`);
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const known = ctx.passwordOf?.(state.user) ?? null;
    const keys = scramKeys(hash, known ?? state.user, state.salt, state.iterations);
    const user = state.user;
    if (known !== null) {
      const clientKey = xor(proof, hmac(hash, keys.storedKey, authMessage));
      const storedKey = createHash(hash).update(clientKey).digest();
      if (proof.length !== keys.storedKey.length || !timingSafeEqual(storedKey, keys.storedKey)) {
        state = { step: 'over' };
        return { kind: 'done', credentials: { mechanism: name, username: user, proof: 'invalid' } };
      }
    }
    const signature = hmac(hash, keys.serverKey, authMessage).toString('base64');
    state = { step: 'ack', user, proof: known !== null ? 'valid' : 'unchecked' };
    return { kind: 'challenge', data: Buffer.from(`v=${signature}`) };
  };

  const take = (payload: Buffer): SaslStep => {
    switch (state.step) {
      case 'client-first':
        return clientFirst(payload);
      case 'client-final':
        return clientFinal(payload);
      case 'ack': {
        // RFC 4422 §5: additional data with success goes in a last challenge; the client answers empty.
        const { user, proof } = state;
        state = { step: 'over' };
        return { kind: 'done', credentials: { mechanism: name, username: user, proof } };
      }
      case 'over':
        return fail(`${name} exchange is over`);
    }
  };

  return clientStarts(take);
}

function describeScram(payload: Buffer, index: number): string {
  const text = payload.toString('utf8');
  if (!text) return 'empty response (acknowledges the server signature)';
  const first = parseClientFirst(text);
  if (first && !('error' in first)) return `client-first user=${show(first.user)} nonce=${first.nonce}`;
  const attrs = attributes(text);
  if (attrs.has('p')) return `client-final nonce=${attrs.get('r') ?? ''} proof=${attrs.get('p')}`;
  return `step ${index}: ${show(text)}`;
}

function scramMechanism(name: 'SCRAM-SHA-1' | 'SCRAM-SHA-256', hash: Hash) {
  return {
    name,
    create: (ctx: MechanismContext) => createScramExchange(name, hash, ctx),
    /** For tests against the RFC vectors: a fixed server nonce, salt and iteration count. */
    createWith: (ctx: MechanismContext, options: ScramOptions) =>
      createScramExchange(name, hash, ctx, options),
    describe: describeScram,
  } satisfies Mechanism & { createWith: unknown };
}

export const scramSha1 = scramMechanism('SCRAM-SHA-1', 'sha1');
export const scramSha256 = scramMechanism('SCRAM-SHA-256', 'sha256');
