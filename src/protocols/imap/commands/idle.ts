import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { bad } from '../errors.js';

/** RFC 2177: `+ idling`, updates as they happen, until the client sends DONE. */
export const idle: CommandSpec = {
  states: AUTHENTICATED,
  args: [0, 0],
  whenVanished: 'bye',
  async handle({ imap }) {
    const line = await imap.idle();
    if (line === null) return 'IDLE ended';
    if (line.toString('latin1').trim().toUpperCase() !== 'DONE') throw bad('expected DONE to end IDLE');
    return 'IDLE terminated';
  },
};
