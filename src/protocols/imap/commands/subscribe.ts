import { AUTHENTICATED, type CommandContext, type CommandSpec } from '../command.js';
import { mailboxArg, storeFailure } from './mailbox-names.js';

async function setSubscribed(c: CommandContext, on: boolean): Promise<void> {
  const name = mailboxArg(c.imap, c.args[0]);
  await c.imap.ctx.store.setSubscribed(c.imap.account.drop, name, on).catch(storeFailure);
}

/** RFC 3501 §6.3.6 */
export const subscribe: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  handle: (c) => setSubscribed(c, true),
};

/** RFC 3501 §6.3.7 */
export const unsubscribe: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  handle: (c) => setSubscribed(c, false),
};
