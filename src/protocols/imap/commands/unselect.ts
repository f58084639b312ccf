import { SELECTED, type CommandSpec } from '../command.js';

/** RFC 3691: like CLOSE, without expunging. */
export const unselect: CommandSpec = {
  states: SELECTED,
  args: [0, 0],
  whenVanished: 'run',
  handle({ imap }) {
    imap.deselect();
  },
};
