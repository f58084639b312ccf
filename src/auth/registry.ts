import type { Mechanism } from './mechanism.js';
import { anonymous } from './mechanisms/anonymous.js';
import { cramMd5 } from './mechanisms/cram-md5.js';
import { digestMd5 } from './mechanisms/digest-md5.js';
import { oauthBearer } from './mechanisms/oauthbearer.js';
import { scramSha1, scramSha256 } from './mechanisms/scram.js';
import { login } from './mechanisms/login.js';
import { plain } from './mechanisms/plain.js';
import { xoauth2 } from './mechanisms/xoauth2.js';

/** Wire name → mechanism. The ones not in DEFAULT_MECHANISMS are offered when a scenario asks. */
export const MECHANISMS: ReadonlyMap<string, Mechanism> = new Map(
  [plain, login, cramMd5, xoauth2, digestMd5, scramSha1, scramSha256, oauthBearer, anonymous].map((m) => [
    m.name,
    m,
  ]),
);

/** What every protocol offers by default, in this order. */
export const DEFAULT_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] as const;

export function findMechanism(name: string): Mechanism | undefined {
  return MECHANISMS.get(name.toUpperCase());
}

/** `PLAIN,DIGEST-MD5` (commas or spaces) → the mechanisms' wire names; an unknown one is an error. */
export function parseMechanismList(text: string): string[] | { unknown: string } {
  const names = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((n) => n.toUpperCase());
  const unknown = names.find((n) => !MECHANISMS.has(n));
  return unknown === undefined ? [...new Set(names)] : { unknown };
}
