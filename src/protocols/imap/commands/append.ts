import type { StoredMessage } from '../../../store/types.js';
import { offers, requireCapability } from '../capabilities.js';
import { catenate } from '../catenate.js';
import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { utf8Accepted } from '../mailbox-encoding.js';
import { dateTimeArg, flagListArg } from '../parser/args.js';
import { compactSet } from '../parser/sequence-set.js';
import type { Token } from '../parser/tokenizer.js';
import { checkQuota } from '../quota.js';
import type { ImapSession } from '../session.js';
import { mailboxArg, storeFailure } from './mailbox-names.js';
import { messageShape } from '../../../transcript/message-shape.js';

interface Appended {
  flags: string[];
  date: Date | undefined;
  message: Buffer;
}

/** The message of one append: a literal, `UTF8 (~{n})` (RFC 6855 §4) or `CATENATE (...)` (RFC 4469). */
async function messageOf(imap: ImapSession, args: Token[], i: number): Promise<[Buffer, number]> {
  const t = args[i];
  if (t?.type === 'string' && t.literal) {
    // RFC 3516 §4.4: a literal8 (`~{n}`) carries a binary message, only where BINARY is offered.
    if (t.binary) requireCapability(imap, 'BINARY', 'literal8 ~{n}');
    return [Buffer.from(t.value), i + 1];
  }
  const word = t?.type === 'atom' ? t.value.toUpperCase() : '';
  const list = args[i + 1];
  if (word === 'UTF8' && list?.type === 'list') {
    if (!utf8Accepted(imap)) throw bad('APPEND UTF8 needs ENABLE UTF8=ACCEPT first');
    const inner = list.items[0];
    if (list.items.length !== 1 || inner?.type !== 'string' || !inner.binary)
      throw bad('APPEND UTF8 takes one literal8 in parentheses: UTF8 (~{n}...)');
    return [Buffer.from(inner.value), i + 2];
  }
  if (word === 'CATENATE' && list?.type === 'list') {
    requireCapability(imap, 'CATENATE', 'CATENATE');
    return [await catenate(imap, list.items), i + 2];
  }
  throw bad('APPEND needs the message as a literal');
}

/** `[flags] [date-time] message`, repeated for MULTIAPPEND (RFC 3502 §6). */
async function readMessages(imap: ImapSession, args: Token[]): Promise<Appended[]> {
  const out: Appended[] = [];
  let i = 1;
  while (i < args.length) {
    if (out.length === 1) requireCapability(imap, 'MULTIAPPEND', 'a second message (MULTIAPPEND)');
    let flags: string[] = [];
    let date: Date | undefined;
    if (args[i]?.type === 'list') flags = flagListArg([args[i]!]);
    if (args[i]?.type === 'list') i++;
    const maybeDate = args[i];
    if (maybeDate?.type === 'string' && !maybeDate.literal) {
      date = dateTimeArg(maybeDate);
      i++;
    }
    const [message, next] = await messageOf(imap, args, i);
    if (message.length === 0) throw no('empty message');
    out.push({ flags, date, message });
    i = next;
  }
  if (out.length === 0) throw bad('APPEND needs a message');
  return out;
}

/** RFC 3501 §6.3.11 with APPENDUID (RFC 4315 §3), MULTIAPPEND (RFC 3502: all messages or none),
 *  CATENATE (RFC 4469), UTF8 (RFC 6855 §4) and the scenario's QUOTA (RFC 9208: NO [OVERQUOTA]). */
export const append: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, Infinity],
  async handle({ imap, args }) {
    const name = mailboxArg(imap, args[0]);
    const { drop } = imap.account;
    const folder = await imap.ctx.store.folder(drop, name);
    const items = await readMessages(imap, args);
    // RFC 3501 §6.3.11: TRYCREATE tells the client it may CREATE the mailbox and try again.
    if (!folder) throw no(`no mailbox named ${name}`, 'TRYCREATE');
    const bytes = items.reduce((n, item) => n + item.message.length, 0);
    // RFC 7889 §4: a message over APPENDLIMIT is TOOBIG (the framing refuses bigger literals already).
    if (items.some((item) => item.message.length > imap.ctx.limits.maxMessageBytes))
      throw no(`message is over the APPENDLIMIT of ${imap.ctx.limits.maxMessageBytes} bytes`, 'TOOBIG');
    await checkQuota(imap, bytes, items.length);
    const stored: StoredMessage[] = [];
    try {
      for (const item of items)
        stored.push(
          await imap.ctx.store
            .append(drop, folder.name, item.message, { flags: item.flags, internalDate: item.date })
            .catch(storeFailure),
        );
    } catch (err) {
      // RFC 3502 §6.3.11: "If the server fails to append any message, none are appended."
      if (stored.length)
        await imap.ctx.store.expunge(
          drop,
          folder.name,
          stored.map((m) => m.uid),
        );
      throw err;
    }
    // Each message's shape (bare LF/CR, long lines) goes on the bus for the findings (src/report/).
    stored.forEach((message, i) =>
      imap.ctx.bus.publish({
        type: 'message-stored',
        sid: imap.session.sid,
        proto: 'imap',
        id: message.id,
        size: items[i]!.message.length,
        from: '',
        recipients: [],
        folder: folder.name,
        shape: messageShape(items[i]!.message),
      }),
    );
    const uids = compactSet(stored.map((m) => m.uid));
    return offers(imap, 'UIDPLUS')
      ? `[APPENDUID ${folder.uidValidity} ${uids}] APPEND completed`
      : 'APPEND completed';
  },
};
