import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { bad } from '../errors.js';
import { astring } from '../parser/args.js';
import { mailboxName, parentsOf, storeFailure } from './mailbox-names.js';

/** RFC 3501 §6.3.3: missing superior levels are created too. */
export const create: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 2],
  async handle({ imap, args }) {
    const name = mailboxName(astring(args[0], 'a mailbox name'));
    if (!name || name.split('/').some((p) => p === '')) throw bad('invalid mailbox name');
    const { drop } = imap.account;
    const store = imap.ctx.store;
    for (const parent of parentsOf(name))
      if (!(await store.folder(drop, parent))) await store.createFolder(drop, parent).catch(storeFailure);
    await store.createFolder(drop, name).catch(storeFailure);
  },
};
