import type { StoredMessage } from '../../../store/types.js';
import { REPLIED, SELECTED, type CommandSpec } from '../command.js';
import { atom, compose, type Wire } from '../compose.js';
import * as mime from '../mime-access.js';
import { atomArg, formatDateTime } from '../parser/args.js';
import { parseFetchItems, type FetchItem } from '../parser/fetch-items.js';
import { parseSequenceSet } from '../parser/sequence-set.js';

function flagsWire(message: StoredMessage): Wire {
  return [...message.flags].map(atom);
}

/** The bytes of a section, cut to `<offset.length>` (RFC 3501 §6.4.5: an origin past the end gives ""). */
function sectionData(message: StoredMessage, item: Extract<FetchItem, { kind: 'section' }>): Wire {
  const data = mime.bodySection(message.raw, item.section);
  // A part that does not exist reads as an empty string, as Dovecot answers.
  if (data === null) return '';
  if (!item.partial) return data;
  const { offset, length } = item.partial;
  if (offset >= data.length) return '';
  return data.subarray(offset, length === null ? data.length : offset + length);
}

/** One attribute as the response's name/value pair. */
function attribute(message: StoredMessage, item: FetchItem): [string, Wire] {
  if (item.kind === 'section') {
    return [item.partial ? `${item.label}<${item.partial.offset}>` : item.label, sectionData(message, item)];
  }
  switch (item.name) {
    case 'UID':
      return ['UID', message.uid];
    case 'FLAGS':
      return ['FLAGS', flagsWire(message)];
    case 'INTERNALDATE':
      return ['INTERNALDATE', formatDateTime(message.internalDate)];
    case 'RFC822.SIZE':
      return ['RFC822.SIZE', message.raw.length];
    case 'ENVELOPE':
      return ['ENVELOPE', mime.envelope(message.raw)];
    case 'BODY':
      return ['BODY', mime.bodyStructure(message.raw, false)];
    case 'BODYSTRUCTURE':
      return ['BODYSTRUCTURE', mime.bodyStructure(message.raw, true)];
    case 'RFC822':
      return ['RFC822', message.raw];
    case 'RFC822.HEADER':
      return ['RFC822.HEADER', mime.bodySection(message.raw, { part: [], kind: 'HEADER' })];
    case 'RFC822.TEXT':
      return ['RFC822.TEXT', mime.bodySection(message.raw, { part: [], kind: 'TEXT' })];
  }
}

/** Reading the body without PEEK marks the message \Seen (RFC 3501 §6.4.5). */
function setsSeen(item: FetchItem): boolean {
  if (item.kind === 'section') return !item.peek;
  return item.name === 'RFC822' || item.name === 'RFC822.TEXT';
}

/** RFC 3501 §6.4.5, and UID FETCH (§6.4.8: the UID is always part of the response). */
export const fetch: CommandSpec = {
  states: SELECTED,
  args: [2, 2],
  holdsExpunge: true,
  async handle({ imap, tag, args, uid, name }) {
    // A scenario decides before any data goes out: a late answer, a throttled or cut stream.
    if ((await imap.consult('fetch', tag, { command: name })) === 'stop') return REPLIED;
    const { drop, view } = imap.selected;
    const set = parseSequenceSet(atomArg(args[0], 'a sequence set'));
    const items = parseFetchItems(args[1]);
    if (uid && !items.some((i) => i.kind === 'simple' && i.name === 'UID'))
      items.unshift({ kind: 'simple', name: 'UID' });
    const marksSeen = !view.readOnly && items.some(setsSeen);
    const asksFlags = items.some((i) => i.kind === 'simple' && i.name === 'FLAGS');
    const preview = imap.ctx.transcriptBodies ? Infinity : 80;
    const messages = view.resolve(set, uid);
    await imap.batched(async (flushPoint) => {
      for (const { seq, message } of messages) {
        let flagsChanged = false;
        if (marksSeen && !message.flags.has('\\Seen')) {
          await imap.ctx.store.setFlags(drop, view.folder, message, [...message.flags, '\\Seen']);
          view.reported(message.uid);
          flagsChanged = true;
        }
        const wire: Wire[] = [];
        for (const item of items) {
          const [name, value] = attribute(message, item);
          wire.push(atom(name), value);
        }
        // The implicit \Seen is reported even when FLAGS was not asked for (RFC 3501 §6.4.5).
        if (flagsChanged && !asksFlags) wire.push(atom('FLAGS'), flagsWire(message));
        imap.sendComposed(compose(`* ${seq} FETCH `, [wire], preview));
        await flushPoint();
      }
    });
  },
};
