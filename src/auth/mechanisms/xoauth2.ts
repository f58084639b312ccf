import { clientStarts, fail, show, type Mechanism, type SaslStep } from '../mechanism.js';

/** Google's XOAUTH2: `user=U ^A auth=Bearer TOKEN ^A ^A`. A failure sends a JSON error as a challenge. */
export function parseXoauth2(payload: Buffer): { username: string; token: string } | null {
  const fields = new Map<string, string>();
  for (const part of payload.toString('utf8').split('\x01')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  const auth = fields.get('auth') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(auth);
  const username = fields.get('user');
  if (!username || !match) return null;
  return { username, token: match[1]! };
}

function take(payload: Buffer): SaslStep {
  const parsed = parseXoauth2(payload);
  if (!parsed) return fail('XOAUTH2 response must be user=...^Aauth=Bearer ...^A^A');
  return { kind: 'done', credentials: { mechanism: 'XOAUTH2', ...parsed } };
}

export const xoauth2: Mechanism = {
  name: 'XOAUTH2',
  create() {
    return clientStarts(take);
  },
  describe(payload) {
    const parsed = parseXoauth2(payload);
    return parsed
      ? `user=${show(parsed.username)} token=${show(parsed.token)}`
      : `malformed ${show(payload.toString())}`;
  },
  errorChallenge({ error, scope }) {
    // Google's convention: a JSON error as a challenge (the HTTP status an API call would get: 401 for a
    // bad or expired token, 403 for a missing scope, RFC 6750 §3.1), the client's empty line, the failure.
    const status = error === 'insufficient_scope' ? '403' : '401';
    return Buffer.from(JSON.stringify({ status, schemes: 'Bearer', scope }));
  },
};
