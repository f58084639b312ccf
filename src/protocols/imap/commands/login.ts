import { verifyCredentials } from '../../../auth/verify.js';
import { loginRefusal } from '../auth-policy.js';
import { NOT_AUTHENTICATED, REPLIED, type CommandSpec } from '../command.js';
import { no } from '../errors.js';
import { astring } from '../parser/args.js';

/** RFC 3501 §6.2.3. The password shows in the transcript as typed: the user wants to see it. */
export const login: CommandSpec = {
  states: NOT_AUTHENTICATED,
  args: [2, 2],
  async handle({ imap, tag, args }) {
    const username = astring(args[0], 'a user name');
    const password = astring(args[1], 'a password');
    const refusal = loginRefusal(imap);
    if (refusal) {
      imap.session.auth('IMAP LOGIN', username, false);
      throw no(refusal.text, refusal.code);
    }
    // A scenario decides at `auth` before the check: it may refuse, delay, alert or hang up.
    const asked = { command: 'LOGIN', mechanism: 'LOGIN', user: username };
    if ((await imap.consult('auth', tag, asked)) === 'stop') {
      imap.session.auth('IMAP LOGIN', username, false);
      return REPLIED;
    }
    const ok = verifyCredentials(imap.users, { mechanism: 'LOGIN', authzid: '', username, password });
    imap.session.auth('IMAP LOGIN', username, ok);
    if (!ok)
      throw no(imap.authPolicy().failure?.join(' ') ?? 'Authentication failed', 'AUTHENTICATIONFAILED');
    imap.loggedIn(username);
    return `[CAPABILITY ${imap.capabilityText}] Logged in`;
  },
};
