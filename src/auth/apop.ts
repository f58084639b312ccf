import { createHash } from 'node:crypto';

/** RFC 1939 §7: APOP digest = hex(MD5(timestamp + secret)). */
export function apopDigest(timestamp: string, password: string): string {
  return createHash('md5')
    .update(timestamp + password)
    .digest('hex');
}
