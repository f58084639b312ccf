import { SELECTED, type CommandContext, type CommandSpec } from '../command.js';
import { no } from '../errors.js';
import { atomArg } from '../parser/args.js';
import { compactSet, parseSequenceSet } from '../parser/sequence-set.js';
import { checkQuota } from '../quota.js';
import { mailboxArg, storeFailure } from './mailbox-names.js';

/** Copies the named messages; returns the COPYUID response code (RFC 4315 §3) and the source UIDs. */
async function copyMessages(c: CommandContext): Promise<{ code: string | null; sourceUids: number[] }> {
  const { drop, view } = c.imap.selected;
  const set = parseSequenceSet(atomArg(c.args[0], 'a sequence set'));
  const name = mailboxArg(c.imap, c.args[1]);
  const messages = view.resolve(set, c.uid);
  // RFC 9208 §4.3: a COPY that would pass the scenario's quota is refused whole (MOVE adds nothing).
  if (c.name.endsWith('COPY'))
    await checkQuota(
      c.imap,
      messages.reduce((n, m) => n + m.message.size, 0),
      messages.length,
    );
  const store = c.imap.ctx.store;
  const target = await store.folder(drop, name);
  if (!target) throw no(`no mailbox named ${name}`, 'TRYCREATE');
  const sourceUids: number[] = [];
  const targetUids: number[] = [];
  for (const { message } of messages) {
    const copy = await store
      .append(drop, target.name, message.raw, { flags: message.flags, internalDate: message.internalDate })
      .catch(storeFailure);
    sourceUids.push(message.uid);
    targetUids.push(copy.uid);
  }
  const code = sourceUids.length
    ? `COPYUID ${target.uidValidity} ${compactSet(sourceUids)} ${compactSet(targetUids)}`
    : null;
  return { code, sourceUids };
}

/** RFC 3501 §6.4.7 */
export const copy: CommandSpec = {
  states: SELECTED,
  args: [2, 2],
  whenVanished: 'no',
  async handle(c) {
    const { code } = await copyMessages(c);
    return code ? `[${code}] ${c.name} completed` : `${c.name} completed`;
  },
};

/** RFC 6851 §3.3: COPYUID in an untagged OK, then the EXPUNGEs (flushed by the dispatcher), then OK. */
export const move: CommandSpec = {
  states: SELECTED,
  args: [2, 2],
  whenVanished: 'no',
  async handle(c) {
    const { drop, view } = c.imap.selected;
    if (view.readOnly) throw no('mailbox is read-only', 'READ-ONLY');
    const { code, sourceUids } = await copyMessages(c);
    if (code) c.imap.untagged(`OK [${code}] Moved`);
    if (sourceUids.length) await c.imap.ctx.store.expunge(drop, view.folder, sourceUids);
  },
};
