import { AUTHENTICATED, type CommandSpec } from '../command.js';

/** RFC 5161: none of the extensions ENABLE can switch on (CONDSTORE, QRESYNC, UTF8=ACCEPT) is
 *  offered, so the answer is an empty ENABLED list. */
export const enable: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, Infinity],
  handle({ imap }) {
    imap.untagged('ENABLED');
  },
};
