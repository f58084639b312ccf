import { timingSafeEqual } from 'node:crypto';
import { apopDigest } from './apop.js';
import type { Credentials } from './mechanism.js';
import { cramMd5Digest } from './mechanisms/cram-md5.js';

/**
 * Who may log in. `accept-any` (the default) lets every user name and password through, for every
 * mechanism; `users` checks against the given name → password table (`--user NAME:PASS`). For the
 * token mechanisms (XOAUTH2, OAUTHBEARER) the token must equal the user's password.
 */
export type UserDirectory =
  | { mode: 'accept-any' }
  | {
      mode: 'users';
      /** name → password (a user with only a token has none). */
      users: ReadonlyMap<string, string>;
      /** name → the bearer token XOAUTH2 and OAUTHBEARER must present (else the password). */
      tokens?: ReadonlyMap<string, string>;
    };

/** A user table as a scenario or the library gives it: name → password, or `{ password, token }`. */
export type UserTable = Record<string, string | { password?: string; token?: string }>;

export function userDirectory(table: UserTable): UserDirectory {
  const users = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const [name, entry] of Object.entries(table)) {
    const { password, token } = typeof entry === 'string' ? { password: entry, token: undefined } : entry;
    if (password !== undefined) users.set(name, password);
    if (token !== undefined) tokens.set(name, token);
  }
  return { mode: 'users', users, tokens };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function verifyCredentials(dir: UserDirectory, creds: Credentials): boolean {
  // A proof the mechanism checked and found wrong fails in every mode (DIGEST-MD5, SCRAM).
  if ('proof' in creds && creds.proof === 'invalid') return false;
  if (dir.mode === 'accept-any') return true;
  if (creds.mechanism === 'XOAUTH2' || creds.mechanism === 'OAUTHBEARER') {
    const token = dir.tokens?.get(creds.username) ?? dir.users.get(creds.username);
    return token !== undefined && same(creds.token, token);
  }
  const password = dir.users.get(creds.username);
  if (password === undefined) return false;
  switch (creds.mechanism) {
    case 'PLAIN':
    case 'LOGIN':
      return same(creds.password, password);
    case 'CRAM-MD5':
      return same(creds.digest.toLowerCase(), cramMd5Digest(password, creds.challenge));
    case 'APOP':
      return same(creds.digest.toLowerCase(), apopDigest(creds.timestamp, password));
    case 'DIGEST-MD5':
    case 'SCRAM-SHA-1':
    case 'SCRAM-SHA-256':
      return creds.proof === 'valid';
    case 'ANONYMOUS':
      // Reached only when the table has a user named "anonymous": then anonymous logins are allowed.
      return true;
  }
}

/** What a mechanism may learn about passwords: the table's entry in users mode, nothing otherwise. */
export function passwordLookup(dir: UserDirectory): (username: string) => string | null {
  return (username) => (dir.mode === 'users' ? (dir.users.get(username) ?? null) : null);
}

export function parseUserFlag(value: string): [string, string] | null {
  const colon = value.indexOf(':');
  if (colon <= 0) return null;
  return [value.slice(0, colon), value.slice(colon + 1)];
}
