import { z } from 'zod';
import { MECHANISMS } from '../auth/registry.js';

/**
 * The scenario schema's users and SASL settings (`users`, `auth`, and each protocol's own `auth`):
 * who may log in, which mechanisms are offered and accepted before and after TLS, the OAuth lab and a
 * provider's wording of a refused login. Part of the one schema in schema.ts.
 */

const text = z.string().min(1, { error: 'must not be empty' });

export const mechanismName = z
  .string()
  .transform((name) => name.toUpperCase())
  .refine((name) => MECHANISMS.has(name), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a SASL mechanism the sandbox knows (${[...MECHANISMS.keys()].join(', ')})`,
  });

/** A user's secrets: a password, and/or the bearer token XOAUTH2 and OAUTHBEARER must present. */
const userEntry = z.union([
  z.string(),
  z
    .strictObject({ password: z.string().optional(), token: z.string().min(1).optional() })
    .refine((u) => u.password !== undefined || u.token !== undefined, {
      error: 'give a password, a token or both',
    }),
]);

/** Users who may log in: any name and password, or this table of name → password (or `{ password, token }`). */
export const usersSchema = z.union([z.literal('accept-any'), z.record(z.string().min(1), userEntry)], {
  error: 'must be "accept-any" or a map of user name to password (or { password, token })',
});

const mechanismSet = z.strictObject({
  /** Mechanisms listed in EHLO / CAPABILITY / CAPA. */
  mechanisms: z.array(mechanismName).optional(),
  /** Mechanisms that work when used; defaults to the advertised ones. May differ on purpose. */
  accept: z.array(mechanismName).optional(),
});

export const authSchema = mechanismSet.extend({
  /** Overrides before and after TLS (STARTTLS or implicit). */
  beforeTls: mechanismSet.optional(),
  afterTls: mechanismSet.optional(),
  /** No authentication before TLS: SMTP 530 5.7.0, IMAP LOGINDISABLED, POP3 no USER/PASS before STLS. */
  requireTls: z.boolean().optional(),
  /** The OAuth lab: how XOAUTH2 and OAUTHBEARER tokens fare (src/auth/oauth.ts). */
  oauth: z
    .strictObject({
      tokens: z.enum(['check', 'expired', 'wrong-scope']).default('check'),
      scope: text.default('https://mail.google.com/'),
    })
    .optional(),
  /** The text of a refused login: SMTP 535 lines, IMAP after `NO [AUTHENTICATIONFAILED] `, POP3 after `-ERR [AUTH] `. */
  failure: z.union([text, z.array(text).min(1)]).optional(),
});
