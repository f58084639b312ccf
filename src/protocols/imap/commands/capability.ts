import { ANY_STATE, type CommandSpec } from '../command.js';

/** RFC 3501 §6.1.1 */
export const capability: CommandSpec = {
  states: ANY_STATE,
  args: [0, 0],
  handle({ imap }) {
    imap.untagged(`CAPABILITY ${imap.capabilityText}`);
  },
};
