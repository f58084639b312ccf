import { clientStarts, fail, show, type Mechanism, type SaslStep } from '../mechanism.js';

/**
 * OAUTHBEARER (RFC 7628 §3.1): `gs2-header ^A key=value ^A ... ^A ^A`, the token in
 * `auth=Bearer TOKEN`, the user (if any) in the gs2-header's `a=`.
 */
export function parseOauthBearer(payload: Buffer): { username: string; token: string; host?: string } | null {
  const text = payload.toString('utf8');
  const first = text.indexOf('\x01');
  if (first < 0) return null;
  const gs2 = /^[ny],(?:a=([^,]*))?,$/.exec(text.slice(0, first));
  if (!gs2) return null;
  const fields = new Map<string, string>();
  for (const part of text.slice(first + 1).split('\x01')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  const token = /^Bearer\s+(.+)$/i.exec(fields.get('auth') ?? '');
  if (!token) return null;
  // RFC 5801 §4 saslname escaping, as in SCRAM.
  const username = (gs2[1] ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
  return { username, token: token[1]!, host: fields.get('host') };
}

function take(payload: Buffer): SaslStep {
  const parsed = parseOauthBearer(payload);
  if (!parsed) return fail('OAUTHBEARER response must be n,a=user,^Aauth=Bearer TOKEN^A^A');
  return {
    kind: 'done',
    credentials: { mechanism: 'OAUTHBEARER', username: parsed.username, token: parsed.token },
  };
}

export const oauthBearer: Mechanism = {
  name: 'OAUTHBEARER',
  create() {
    return clientStarts(take);
  },
  describe(payload) {
    if (payload.length === 1 && payload[0] === 1) return 'dummy response after an error (^A)';
    const parsed = parseOauthBearer(payload);
    return parsed
      ? `user=${show(parsed.username)} token=${show(parsed.token)}${parsed.host ? ` host=${show(parsed.host)}` : ''}`
      : `malformed ${show(payload.toString())}`;
  },
  errorChallenge({ error, scope }) {
    // RFC 7628 §3.2.2: a JSON error; the client must answer with a single ^A, then the server fails.
    return Buffer.from(JSON.stringify({ status: error, schemes: 'bearer', scope }));
  },
};
