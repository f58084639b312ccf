import { ANY_STATE, type CommandSpec } from '../command.js';

/** RFC 3501 §6.1.3: BYE, then the tagged OK, then the server closes. */
export const logout: CommandSpec = {
  states: ANY_STATE,
  args: [0, 0],
  handle({ imap }) {
    imap.untagged('BYE mailsandbox logging out');
    imap.logout();
    return 'LOGOUT completed';
  },
};
