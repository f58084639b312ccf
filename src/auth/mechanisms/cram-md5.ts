import { createHmac, randomBytes } from 'node:crypto';
import { fail, show, type Mechanism } from '../mechanism.js';

/** RFC 2195: the client answers `user SP hex(HMAC-MD5(password, challenge))`. */
export function cramMd5Digest(password: string, challenge: string): string {
  return createHmac('md5', password).update(challenge).digest('hex');
}

export function cramMd5Challenge(hostname: string): string {
  // Digits and dots only before the @, like the RFC 2195 example.
  const n = BigInt('0x' + randomBytes(7).toString('hex')).toString();
  return `<${n}.${Math.floor(Date.now() / 1000)}@${hostname}>`;
}

function parseResponse(payload: Buffer): { username: string; digest: string } | null {
  const text = payload.toString('utf8');
  const space = text.lastIndexOf(' ');
  if (space <= 0) return null;
  return { username: text.slice(0, space), digest: text.slice(space + 1).toLowerCase() };
}

export const cramMd5: Mechanism = {
  name: 'CRAM-MD5',
  create(ctx) {
    const challenge = cramMd5Challenge(ctx.hostname);
    return {
      start: (initial) =>
        initial && initial.length
          ? fail('CRAM-MD5 takes no initial response')
          : { kind: 'challenge', data: Buffer.from(challenge) },
      step(response) {
        const parsed = parseResponse(response);
        if (!parsed || !/^[0-9a-f]{32}$/.test(parsed.digest))
          return fail('CRAM-MD5 response must be "user digest"');
        return { kind: 'done', credentials: { mechanism: 'CRAM-MD5', challenge, ...parsed } };
      },
    };
  },
  describe(payload) {
    const parsed = parseResponse(payload);
    return parsed
      ? `user=${show(parsed.username)} digest=${parsed.digest}`
      : `malformed ${show(payload.toString())}`;
  },
};
