import { requireCapability } from '../capabilities.js';
import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { listArg } from '../parser/args.js';
import type { Token } from '../parser/tokenizer.js';
import type { ImapSession } from '../session.js';
import { mailboxArg, parentsOf, storeFailure } from './mailbox-names.js';

const USES = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'];

/** RFC 6154 §3 `(USE (\Sent))`: the special-use attribute a new mailbox gets (one per mailbox here). */
function useArg(imap: ImapSession, token: Token | undefined): string | null {
  if (!token) return null;
  requireCapability(imap, 'CREATE-SPECIAL-USE', 'CREATE (USE ...)');
  const items = listArg(token, 'CREATE parameters');
  if (items.length !== 2 || items[0]!.type !== 'atom' || items[0].value.toUpperCase() !== 'USE')
    throw bad('expected (USE (attributes))');
  const uses = listArg(items[1], 'special-use attributes').map((t) => {
    const known = USES.find((u) => t.type === 'atom' && u.toLowerCase() === t.value.toLowerCase());
    if (!known)
      throw no(`unknown special-use attribute ${t.type === 'atom' ? t.value : '(list)'}`, 'USEATTR');
    return known;
  });
  if (uses.length > 1) throw no('one special-use attribute per mailbox', 'USEATTR');
  return uses[0] ?? null;
}

/** RFC 3501 §6.3.3: missing superior levels are created too. */
export const create: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 2],
  async handle({ imap, args }) {
    const name = mailboxArg(imap, args[0]);
    if (!name || name.split('/').some((p) => p === '')) throw bad('invalid mailbox name');
    const use = useArg(imap, args[1]);
    const { drop } = imap.account;
    const store = imap.ctx.store;
    for (const parent of parentsOf(name))
      if (!(await store.folder(drop, parent))) await store.createFolder(drop, parent).catch(storeFailure);
    await store.createFolder(drop, name, use).catch(storeFailure);
  },
};
