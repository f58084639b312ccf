import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { mailboxArg, storeFailure } from './mailbox-names.js';

/** RFC 3501 §6.3.4 */
export const deleteMailbox: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  async handle({ imap, args }) {
    const name = mailboxArg(imap, args[0]);
    await imap.ctx.store.deleteFolder(imap.account.drop, name).catch(storeFailure);
    // RFC 3501 §6.3.4 allows deleting the selected mailbox; like Dovecot, this session hangs up at the
    // next command that needs it.
    if (imap.state.kind === 'selected' && imap.state.view.folder === name)
      imap.state.view.vanished = { kind: 'deleted', bySelf: true };
  },
};
