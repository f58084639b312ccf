import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { mailboxArg, parentsOf, storeFailure } from './mailbox-names.js';

/** RFC 3501 §6.3.5: inferior names move with their parent. */
export const rename: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 2],
  async handle({ imap, args }) {
    const from = mailboxArg(imap, args[0], 'the existing mailbox name');
    const to = mailboxArg(imap, args[1], 'the new mailbox name');
    const { drop } = imap.account;
    const store = imap.ctx.store;
    const children = (await store.folders(drop)).map((f) => f.name).filter((n) => n.startsWith(from + '/'));
    for (const parent of parentsOf(to))
      if (!(await store.folder(drop, parent))) await store.createFolder(drop, parent).catch(storeFailure);
    await store.renameFolder(drop, from, to).catch(storeFailure);
    for (const child of children)
      await store.renameFolder(drop, child, to + child.slice(from.length)).catch(storeFailure);
  },
};
