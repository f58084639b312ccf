import { AUTHENTICATED, type CommandContext, type CommandSpec } from '../command.js';
import { no } from '../errors.js';
import { MailboxView } from '../mailbox-view.js';
import { astring, PERMANENT_SYSTEM_FLAGS } from '../parser/args.js';

async function open(c: CommandContext, readOnly: boolean): Promise<string> {
  const { imap, args } = c;
  const name = astring(args[0], 'a mailbox name');
  const { drop } = imap.account;
  // RFC 3501 §6.3.1: a SELECT, even a failing one, first deselects the current mailbox.
  if (imap.state.kind === 'selected') imap.deselect();
  const folder = await imap.ctx.store.folder(drop, name);
  if (!folder) throw no(`no mailbox named ${name}`, 'NONEXISTENT');
  const view = new MailboxView(folder, readOnly);
  const keywords = new Set<string>();
  for (const m of folder.messages) for (const f of m.flags) if (!f.startsWith('\\')) keywords.add(f);
  const flags = [...PERMANENT_SYSTEM_FLAGS, ...keywords].join(' ');
  imap.untagged(`FLAGS (${flags})`);
  imap.untagged(
    readOnly
      ? 'OK [PERMANENTFLAGS ()] Read-only mailbox'
      : `OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted`,
  );
  imap.untagged(`${view.exists} EXISTS`);
  imap.untagged(`${view.recentCount} RECENT`);
  const firstUnseen = folder.messages.findIndex((m) => !m.flags.has('\\Seen'));
  if (firstUnseen >= 0)
    imap.untagged(`OK [UNSEEN ${firstUnseen + 1}] Message ${firstUnseen + 1} is first unseen`);
  imap.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
  imap.untagged(`OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
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
