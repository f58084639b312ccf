import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  fail,
  show,
  type Mechanism,
  type MechanismContext,
  type SaslExchange,
  type SaslStep,
} from '../mechanism.js';

/**
 * DIGEST-MD5 (RFC 2831), server side, qop=auth only (no integrity or confidentiality layer).
 *
 * Like SCRAM, the server needs the password to check `response` and to compute `rspauth`. With a
 * user table the response is checked; in accept-any mode it is accepted unchecked and `rspauth` is
 * computed as if the password were the user name (clients that check rspauth and use another
 * password will abort; curl and most others do not check it).
 */
export interface DigestMd5Options {
  nonce?: string;
}

function md5(data: Buffer | string): Buffer {
  return createHash('md5').update(data).digest();
}

const hex = (data: Buffer | string) => md5(data).toString('hex');

/** RFC 2831 §7.1 `digest-response`: comma-separated `key=value` or `key="quoted \" value"`. */
export function parseDigestFields(text: string): Map<string, string> | null {
  const fields = new Map<string, string>();
  const re = /\s*([A-Za-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while (end < text.length && (m = re.exec(text))) {
    fields.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    end = re.lastIndex;
    if (m[0].length === 0) break;
  }
  return end >= text.trim().length ? fields : null;
}

/** RFC 2831 §2.1.2.1: the `response` value, or `rspauth` when `method` is empty. */
export function digestResponse(
  f: {
    username: string;
    realm: string;
    password: string;
    nonce: string;
    cnonce: string;
    nc: string;
    qop: string;
    digestUri: string;
    authzid?: string;
  },
  method: 'AUTHENTICATE' | '',
): string {
  const secret = md5(`${f.username}:${f.realm}:${f.password}`);
  const a1 = Buffer.concat([
    secret,
    Buffer.from(`:${f.nonce}:${f.cnonce}${f.authzid ? ':' + f.authzid : ''}`),
  ]);
  const a2 = `${method}:${f.digestUri}`;
  return hex(`${hex(a1)}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${hex(a2)}`);
}

function createDigestExchange(ctx: MechanismContext, options: DigestMd5Options = {}): SaslExchange {
  const realm = ctx.hostname;
  const nonce = options.nonce ?? randomBytes(16).toString('base64');
  type State =
    { step: 'response' } | { step: 'ack'; username: string; proof: 'valid' | 'unchecked' } | { step: 'over' };
  let state: State = { step: 'response' };

  // RFC 2831 §2.1.1. `algorithm=md5-sess` unquoted: curl cancels on the quoted form (DESIGN.md).
  const challenge = `realm="${realm}",nonce="${nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`;

  const response = (payload: Buffer): SaslStep => {
    const f = parseDigestFields(payload.toString('utf8'));
    if (!f) return fail('DIGEST-MD5 response is malformed');
    const username = f.get('username');
    const cnonce = f.get('cnonce');
    const nc = f.get('nc');
    const digestUri = f.get('digest-uri');
    const given = f.get('response');
    if (!username || !cnonce || !nc || !digestUri || !given)
      return fail('DIGEST-MD5 response lacks username, cnonce, nc, digest-uri or response');
    if (f.get('nonce') !== nonce) return fail('DIGEST-MD5 nonce does not match the challenge');
    const qop = f.get('qop') ?? 'auth';
    if (qop !== 'auth') return fail(`DIGEST-MD5 qop=${qop} is not offered (auth only)`);
    const known = ctx.passwordOf?.(username) ?? null;
    const fields = {
      username,
      realm: f.get('realm') ?? realm,
      password: known ?? username,
      nonce,
      cnonce,
      nc,
      qop,
      digestUri,
      authzid: f.get('authzid'),
    };
    if (known !== null) {
      const expected = Buffer.from(digestResponse(fields, 'AUTHENTICATE'));
      const got = Buffer.from(given.toLowerCase());
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        state = { step: 'over' };
        return { kind: 'done', credentials: { mechanism: 'DIGEST-MD5', username, proof: 'invalid' } };
      }
    }
    state = { step: 'ack', username, proof: known !== null ? 'valid' : 'unchecked' };
    // RFC 2831 §2.1.3: the server proves it knows the password too; the client answers empty.
    return { kind: 'challenge', data: Buffer.from(`rspauth=${digestResponse(fields, '')}`) };
  };

  const take = (payload: Buffer): SaslStep => {
    switch (state.step) {
      case 'response':
        return response(payload);
      case 'ack': {
        const { username, proof } = state;
        state = { step: 'over' };
        return { kind: 'done', credentials: { mechanism: 'DIGEST-MD5', username, proof } };
      }
      case 'over':
        return fail('DIGEST-MD5 exchange is over');
    }
  };

  return {
    // RFC 2831 §2.1: no initial response; the server speaks first.
    start: (initial) =>
      initial && initial.length
        ? fail('DIGEST-MD5 takes no initial response')
        : { kind: 'challenge', data: Buffer.from(challenge) },
    step: take,
  };
}

export const digestMd5 = {
  name: 'DIGEST-MD5',
  create: (ctx: MechanismContext) => createDigestExchange(ctx),
  /** For tests against the RFC 2831 §4 example: a fixed nonce. */
  createWith: (ctx: MechanismContext, options: DigestMd5Options) => createDigestExchange(ctx, options),
  describe(payload: Buffer) {
    const text = payload.toString('utf8');
    if (!text) return 'empty response (acknowledges rspauth)';
    const f = parseDigestFields(text);
    if (!f) return `malformed ${show(text)}`;
    return `user=${show(f.get('username') ?? '')} realm=${show(f.get('realm') ?? '')} digest-uri=${show(
      f.get('digest-uri') ?? '',
    )} response=${f.get('response') ?? ''}`;
  },
} satisfies Mechanism & { createWith: unknown };
