import { AUTHENTICATED, type CommandContext, type CommandSpec } from '../command.js';
import { astring } from '../parser/args.js';
import { mailboxName, storeFailure } from './mailbox-names.js';

async function setSubscribed(c: CommandContext, on: boolean): Promise<void> {
  const name = mailboxName(astring(c.args[0], 'a mailbox name'));
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
