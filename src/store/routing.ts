/**
 * Which maildrop a recipient address or a login name lands in — decided here and nowhere else.
 *
 * `shared` (the default): one maildrop that every login sees, whatever the address; what catchers
 * like Mailpit do, and what a user debugging one client expects.
 * `per-user`: the local part of the address, lower-cased; `alice@example.com` and the login `alice`
 * (or `Alice@other.test`) meet in the maildrop `alice`.
 */
export type MailboxRouting = 'shared' | 'per-user';

export const SHARED_MAILDROP = 'shared';

export function maildropKey(routing: MailboxRouting, addressOrLogin: string): string {
  if (routing === 'shared') return SHARED_MAILDROP;
  const at = addressOrLogin.lastIndexOf('@');
  const local = (at >= 0 ? addressOrLogin.slice(0, at) : addressOrLogin).trim().toLowerCase();
  return local || SHARED_MAILDROP;
}
