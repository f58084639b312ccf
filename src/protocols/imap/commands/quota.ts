import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { quote } from '../compose.js';
import { no } from '../errors.js';
import { mailboxToClient } from '../mailbox-encoding.js';
import { astring } from '../parser/args.js';
import { QUOTA_ROOT, quotaResources } from '../quota.js';
import { mailboxArg } from './mailbox-names.js';

/** RFC 9208 §4.2: GETQUOTA of the one root there is (`""`). */
export const getquota: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  capability: 'QUOTA',
  async handle({ imap, args }) {
    const root = astring(args[0], 'a quota root');
    if (root !== QUOTA_ROOT) throw no(`no quota root named ${root}`, 'NONEXISTENT');
    imap.untagged(`QUOTA ${quote(QUOTA_ROOT)} (${await quotaResources(imap)})`);
  },
};

/** RFC 9208 §4.3: every mailbox lives under the root `""`. */
export const getquotaroot: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  capability: 'QUOTA',
  async handle({ imap, args }) {
    const name = mailboxArg(imap, args[0]);
    const folder = await imap.ctx.store.folder(imap.account.drop, name);
    if (!folder) throw no(`no mailbox named ${name}`, 'NONEXISTENT');
    imap.untagged(`QUOTAROOT ${quote(mailboxToClient(imap, folder.name))} ${quote(QUOTA_ROOT)}`);
    imap.untagged(`QUOTA ${quote(QUOTA_ROOT)} (${await quotaResources(imap)})`);
  },
};

/** RFC 9208 §4.1: limits come from the scenario (`imap: quota:`); QUOTASET is not offered. */
export const setquota: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 2],
  capability: 'QUOTA',
  handle() {
    throw no('quota limits are set by the scenario (imap: quota:)', 'NOPERM');
  },
};
