import { requireCapability } from '../capabilities.js';
import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { dateTimeArg, flagListArg } from '../parser/args.js';
import { utf8Accepted } from '../mailbox-encoding.js';
import { mailboxArg, storeFailure } from './mailbox-names.js';
import { messageShape } from '../../../transcript/message-shape.js';

/** RFC 3501 §6.3.11 with APPENDUID (RFC 4315 §3). */
export const append: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 5],
  async handle({ imap, args: all }) {
    const name = mailboxArg(imap, all[0]);
    let args = all;
    let message = args[args.length - 1]!;
    const utf8 = args[args.length - 2];
    if (message.type === 'list' && utf8?.type === 'atom' && utf8.value.toUpperCase() === 'UTF8') {
      // RFC 6855 §4: `UTF8 (~{n}...)` carries a message with UTF-8 headers, once UTF8=ACCEPT is on.
      if (!utf8Accepted(imap)) throw bad('APPEND UTF8 needs ENABLE UTF8=ACCEPT first');
      if (message.items.length !== 1 || message.items[0]!.type !== 'string' || !message.items[0].binary)
        throw bad('APPEND UTF8 takes one literal8 in parentheses: UTF8 (~{n}...)');
      message = { ...message.items[0], binary: false };
      args = args.slice(0, -1);
    } else if (args.length > 4) throw bad('APPEND takes a mailbox, flags, a date and a message');
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
    const bytes = Buffer.from(message.value);
    const stored = await imap.ctx.store
      .append(drop, folder.name, bytes, { flags, internalDate: date })
      .catch(storeFailure);
    // The message's shape (bare LF/CR, long lines) goes on the bus for the findings (src/report/).
    imap.ctx.bus.publish({
      type: 'message-stored',
      sid: imap.session.sid,
      proto: 'imap',
      id: stored.id,
      size: bytes.length,
      from: '',
      recipients: [],
      folder: folder.name,
      shape: messageShape(bytes),
    });
    return `[APPENDUID ${folder.uidValidity} ${stored.uid}] APPEND completed`;
  },
};
