import { findMechanism } from '../auth/registry.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 as clients send it in AUTH exchanges; null when it is not base64 at all. */
export function decodeBase64(text: string): Buffer | null {
  const t = text.trim();
  if (!BASE64.test(t) || t.length % 4 === 1) return null;
  return Buffer.from(t, 'base64');
}

/** Printable reading of decoded bytes: NUL and controls shown as \0, \x01 … */
export function printable(data: Buffer): string {
  return data
    .toString('utf8')
    .replace(/[\x00-\x1f\x7f]/g, (c) =>
      c === '\0' ? '\\0' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
}

/** The decoded reading of one client payload in a SASL exchange, for the transcript. */
export function describeSaslPayload(mechanism: string, payload: string, index: number): string {
  if (payload.trim() === '*') return 'client cancelled the exchange';
  const bytes = decodeBase64(payload);
  if (!bytes) return 'not base64';
  const mech = findMechanism(mechanism);
  return mech ? mech.describe(bytes, index) : printable(bytes);
}

/** The decoded reading of a server challenge (`334 VXNlcm5hbWU6` → `Username:`). */
export function describeChallenge(payload: string): string | undefined {
  const bytes = decodeBase64(payload);
  if (!bytes || bytes.length === 0) return undefined;
  return printable(bytes);
}
