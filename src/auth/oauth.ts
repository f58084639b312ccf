/**
 * The OAuth lab: how the token mechanisms (XOAUTH2, OAUTHBEARER) fare under a scenario. `check`
 * compares the token with the user's (`users: { alice: { token: … } }`, else the password, else any in
 * accept-any mode); `expired` refuses every token as expired, `wrong-scope` as lacking the mail scope.
 * A refusal starts with the mechanism's JSON error challenge (RFC 7628 §3.2.2; Google's XOAUTH2 does
 * the same), which the client acknowledges before the protocol's failure reply.
 */
export interface OAuthPolicy {
  tokens: 'check' | 'expired' | 'wrong-scope';
  /** The scope named in the error (Gmail's `https://mail.google.com/`). */
  scope: string;
}

export const DEFAULT_OAUTH: OAuthPolicy = { tokens: 'check', scope: 'https://mail.google.com/' };

/** Why a token was refused, as the error challenge tells it (RFC 6750 §3.1 error codes). */
export type OAuthError = { error: 'invalid_token' | 'insufficient_scope'; scope: string };

export const TOKEN_MECHANISMS: ReadonlySet<string> = new Set(['XOAUTH2', 'OAUTHBEARER']);

/** The error a policy plays for every token, or null when tokens are checked. */
export function scriptedTokenError(policy: OAuthPolicy): OAuthError | null {
  if (policy.tokens === 'check') return null;
  return { error: policy.tokens === 'expired' ? 'invalid_token' : 'insufficient_scope', scope: policy.scope };
}
