import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { astring } from '../parser/args.js';
import { mailboxName, storeFailure } from './mailbox-names.js';

/** RFC 3501 §6.3.4 */
export const deleteMailbox: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  async handle({ imap, args }) {
    const name = mailboxName(astring(args[0], 'a mailbox name'));
    await imap.ctx.store.deleteFolder(imap.account.drop, name).catch(storeFailure);
    // RFC 3501 §6.3.4 allows deleting the selected mailbox; like Dovecot, this session hangs up at the
    // next command that needs it.
    if (imap.state.kind === 'selected' && imap.state.view.folder === name)
      imap.state.view.vanished = { kind: 'deleted', bySelf: true };
  },
};
