import type { Mechanism } from './mechanism.js';
import { cramMd5 } from './mechanisms/cram-md5.js';
import { login } from './mechanisms/login.js';
import { plain } from './mechanisms/plain.js';
import { xoauth2 } from './mechanisms/xoauth2.js';

/** Wire name → mechanism. The scenario issue adds DIGEST-MD5, SCRAM-*, OAUTHBEARER, ANONYMOUS here. */
export const MECHANISMS: ReadonlyMap<string, Mechanism> = new Map(
  [plain, login, cramMd5, xoauth2].map((m) => [m.name, m]),
);

/** What every protocol offers by default, in this order. */
export const DEFAULT_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] as const;

export function findMechanism(name: string): Mechanism | undefined {
  return MECHANISMS.get(name.toUpperCase());
}
