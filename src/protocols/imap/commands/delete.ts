import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { no } from '../errors.js';
import { astring } from '../parser/args.js';
import { mailboxName, storeFailure } from './mailbox-names.js';

/** RFC 3501 §6.3.4 */
export const deleteMailbox: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  async handle({ imap, args }) {
    const name = mailboxName(astring(args[0], 'a mailbox name'));
    if (imap.state.kind === 'selected' && imap.state.view.folder === name)
      throw no('cannot delete the selected mailbox, select another one first', 'INUSE');
    await imap.ctx.store.deleteFolder(imap.account.drop, name).catch(storeFailure);
  },
};
