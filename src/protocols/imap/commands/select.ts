import { AUTHENTICATED, type CommandContext, type CommandSpec } from '../command.js';
import { offers } from '../capabilities.js';
import { bad, no } from '../errors.js';
import { MailboxView } from '../mailbox-view.js';
import { listArg } from '../parser/args.js';
import { mailboxArg } from './mailbox-names.js';
import { qresyncLines, readQresync, type QresyncParams } from '../qresync.js';
import { enableCondstore, syncOf } from '../sync.js';
import { reportedModseq } from '../sync-faults.js';

/** The select parameters (RFC 4466 §2.1): `(CONDSTORE)` (RFC 7162 §3.1.8), `(QRESYNC (...))` (§3.2.5). */
function readParams(c: CommandContext): QresyncParams | null {
  const token = c.args[1];
  if (!token) return null;
  const items = listArg(token, 'select parameters');
  let qresync: QresyncParams | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const name = item.type === 'atom' ? item.value.toUpperCase() : '';
    if (name === 'CONDSTORE') enableCondstore(c.imap, 'CONDSTORE');
    else if (name === 'QRESYNC') {
      // §3.2.5: QRESYNC parameters before ENABLE QRESYNC are a BAD.
      if (!syncOf(c.imap).qresync) throw bad('QRESYNC needs ENABLE QRESYNC first');
      qresync = readQresync(items[++i]);
    } else throw bad(`unknown select parameter ${name || '(list)'}`);
  }
  return qresync;
}

async function open(c: CommandContext, readOnly: boolean): Promise<string> {
  const { imap, args } = c;
  const name = mailboxArg(imap, args[0]);
  const { drop } = imap.account;
  // RFC 3501 §6.3.1: a SELECT, even a failing one, first deselects the current mailbox; RFC 7162
  // §3.2.11: a QRESYNC client is told with [CLOSED] (Dovecot's words, and only then, as Dovecot does).
  if (imap.state.kind === 'selected') {
    imap.deselect();
    if (syncOf(imap).qresync) imap.untagged('OK [CLOSED] Previous mailbox closed.');
  }
  const qresync = readParams(c);
  const folder = await imap.ctx.store.folder(drop, name);
  if (!folder) throw no(`no mailbox named ${name}`, 'NONEXISTENT');
  const view = new MailboxView(folder, readOnly, syncOf(imap));
  for (const line of view.flagsLines()) imap.send(line);
  imap.untagged(`${view.exists} EXISTS`);
  imap.untagged(`${view.recentCount} RECENT`);
  const firstUnseen = folder.messages.findIndex((m) => !m.flags.has('\\Seen'));
  if (firstUnseen >= 0)
    imap.untagged(`OK [UNSEEN ${firstUnseen + 1}] Message ${firstUnseen + 1} is first unseen`);
  imap.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
  imap.untagged(`OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
  // RFC 7162 §3.1.2.1: a server that keeps mod-sequences sends HIGHESTMODSEQ on every SELECT/EXAMINE
  // (never NOMODSEQ: every mailbox here has them).
  if (offers(imap, 'CONDSTORE'))
    imap.untagged(`OK [HIGHESTMODSEQ ${reportedModseq(imap.session, folder.highestModseq)}] Highest`);
  if (qresync) for (const line of qresyncLines(view, qresync)) imap.send(line);
  imap.select(view);
  return readOnly ? `[READ-ONLY] ${c.name} completed` : `[READ-WRITE] ${c.name} completed`;
}

/** RFC 3501 §6.3.1 */
export const select: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 2],
  handle: (c) => open(c, false),
};

/** RFC 3501 §6.3.2 */
export const examine: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 2],
  handle: (c) => open(c, true),
};
