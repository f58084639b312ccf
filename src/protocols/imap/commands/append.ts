import { requireCapability } from '../capabilities.js';
import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { astring, dateTimeArg, flagListArg } from '../parser/args.js';
import { storeFailure } from './mailbox-names.js';

/** RFC 3501 §6.3.11 with APPENDUID (RFC 4315 §3). */
export const append: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 4],
  async handle({ imap, args }) {
    const name = astring(args[0], 'a mailbox name');
    const message = args[args.length - 1]!;
    if (message.type !== 'string') throw bad('APPEND needs the message as a literal');
    // RFC 3516 §4.4: a literal8 (`~{n}`) carries a binary message, only where BINARY is offered.
    if (message.binary) requireCapability(imap, 'BINARY', 'literal8 ~{n}');
    let flags: string[] = [];
    let date: Date | undefined;
    for (const option of args.slice(1, -1)) {
      if (option.type === 'list') flags = flagListArg([option]);
      else date = dateTimeArg(option);
    }
    if (message.value.length === 0) throw no('empty message');
    const { drop } = imap.account;
    const folder = await imap.ctx.store.folder(drop, name);
    // RFC 3501 §6.3.11: TRYCREATE tells the client it may CREATE the mailbox and try again.
    if (!folder) throw no(`no mailbox named ${name}`, 'TRYCREATE');
    const stored = await imap.ctx.store
      .append(drop, folder.name, Buffer.from(message.value), { flags, internalDate: date })
      .catch(storeFailure);
    return `[APPENDUID ${folder.uidValidity} ${stored.uid}] APPEND completed`;
  },
};
