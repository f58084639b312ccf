import { ANY_STATE, type CommandSpec } from '../command.js';

/** RFC 3501 §6.1.2: does nothing but lets the pending updates out (the dispatcher flushes them).
 *  CHECK (§6.4.1) is the same here: every change is on disk before its reply. */
export const noop: CommandSpec = {
  states: ANY_STATE,
  args: [0, 0],
  // The update it exists for is the news that the selected mailbox is gone (Dovecot: BYE).
  whenVanished: 'bye',
  handle: () => undefined,
};
