import type { StoredMessage } from '../../../store/types.js';
import { REPLIED, SELECTED, type CommandSpec } from '../command.js';
import { ResponseWriter, type Wire } from '../compose.js';
import type { MailboxView } from '../mailbox-view.js';
import * as mime from '../mime-access.js';
import { atomArg, formatDateTime } from '../parser/args.js';
import { readFetchModifiers } from '../fetch-modifiers.js';
import { binaryContent } from '../binary.js';
import { requireCapability } from '../capabilities.js';
import { parseFetchItems, type FetchItem } from '../parser/fetch-items.js';
import { parseSequenceSet } from '../parser/sequence-set.js';

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

/**
 * One attribute, name and value, written straight into the response: a FETCH of a whole mailbox writes
 * thousands of these, so no intermediate lists. ENVELOPE and BODY/BODYSTRUCTURE come serialized from
 * the per-message cache (mime-access.ts).
 */
function writeAttribute(w: ResponseWriter, view: MailboxView, message: StoredMessage, item: FetchItem): void {
  if (item.kind === 'binary') {
    writeBinary(w, message, item);
    return;
  }
  if (item.kind === 'section') {
    w.str(item.partial ? `${item.label}<${item.partial.offset}> ` : item.label + ' ');
    w.value(sectionData(message, item));
    return;
  }
  switch (item.name) {
    case 'UID':
      w.str('UID ' + message.uid);
      return;
    case 'FLAGS':
      w.str('FLAGS ' + view.flagsText(message));
      return;
    case 'INTERNALDATE':
      // date-time is always quotable (RFC 3501 §9).
      w.str('INTERNALDATE "' + formatDateTime(message.internalDate) + '"');
      return;
    case 'RFC822.SIZE':
      w.str('RFC822.SIZE ' + message.size);
      return;
    case 'ENVELOPE':
      w.str('ENVELOPE ');
      w.value(mime.envelopeWire(message));
      return;
    case 'BODY':
      w.str('BODY ');
      w.value(mime.bodyStructureWire(message, false));
      return;
    case 'BODYSTRUCTURE':
      w.str('BODYSTRUCTURE ');
      w.value(mime.bodyStructureWire(message, true));
      return;
    case 'RFC822':
      w.str('RFC822 ');
      w.value(message.raw);
      return;
    case 'RFC822.HEADER':
      w.str('RFC822.HEADER ');
      w.value(mime.bodySection(message.raw, { part: [], kind: 'HEADER' }));
      return;
    case 'RFC822.TEXT':
      w.str('RFC822.TEXT ');
      w.value(mime.bodySection(message.raw, { part: [], kind: 'TEXT' }));
      return;
    case 'MODSEQ':
      w.str('MODSEQ (' + message.modseq + ')');
      return;
  }
}

/**
 * RFC 3516 §4.2: the decoded part as a literal8 (`~{n}`) when it holds a NUL, else a plain literal;
 * BINARY.SIZE its decoded size. A part that does not exist reads as empty, as BODY[] does here.
 */
function writeBinary(
  w: ResponseWriter,
  message: StoredMessage,
  item: Extract<FetchItem, { kind: 'binary' }>,
): void {
  let data = binaryContent(message.raw, item.part) ?? Buffer.alloc(0);
  if (item.size) {
    w.str(`${item.label} ${data.length}`);
    return;
  }
  if (item.partial) {
    const { offset, length } = item.partial;
    data =
      offset >= data.length
        ? Buffer.alloc(0)
        : data.subarray(offset, length === null ? data.length : offset + length);
  }
  w.str(item.partial ? `${item.label}<${item.partial.offset}> ` : item.label + ' ');
  if (data.includes(0)) w.str('~');
  w.literal(data);
}

/** Reading the body without PEEK marks the message \Seen (RFC 3501 §6.4.5; BINARY too, RFC 3516 §4.2). */
function setsSeen(item: FetchItem): boolean {
  if (item.kind === 'section' || item.kind === 'binary') return !item.peek;
  return item.name === 'RFC822' || item.name === 'RFC822.TEXT';
}

/** RFC 3501 §6.4.5, and UID FETCH (§6.4.8: the UID is always part of the response). */
export const fetch: CommandSpec = {
  states: SELECTED,
  // RFC 4466 §2.2: `FETCH set items (modifiers)`: CHANGEDSINCE and VANISHED (RFC 7162 §3.1.4, §3.2.6).
  args: [2, 3],
  holdsExpunge: true,
  async handle(c) {
    const { imap, tag, args, uid, name } = c;
    // A scenario decides before any data goes out: a late answer, a throttled or cut stream.
    if ((await imap.consult('fetch', tag, { command: name })) === 'stop') return REPLIED;
    const { drop, view } = imap.selected;
    const set = parseSequenceSet(atomArg(args[0], 'a sequence set'));
    const items = parseFetchItems(args[1]);
    if (items.some((i) => i.kind === 'binary')) requireCapability(imap, 'BINARY', 'BINARY[...]');
    const modifiers = readFetchModifiers(c, items);
    // UID FETCH always reports the UID (RFC 3501 §6.4.8); so does every FETCH once QRESYNC is on, as
    // Dovecot does, so VANISHED and FETCH speak of the same messages.
    if ((uid || view.sync.qresync) && !items.some((i) => i.kind === 'simple' && i.name === 'UID'))
      items.unshift({ kind: 'simple', name: 'UID' });
    const marksSeen = !view.readOnly && items.some(setsSeen);
    const asksFlags = items.some((i) => i.kind === 'simple' && i.name === 'FLAGS');
    const asksModseq = items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ');
    const preview = imap.ctx.transcriptBodies ? Infinity : 80;
    // CHANGEDSINCE n: messages whose modseq is above n (RFC 7162 §3.1.4.1).
    const messages = view.resolve(set, uid, modifiers.changedSince === null ? 0 : modifiers.changedSince + 1);
    for (const line of modifiers.vanished(set)) imap.send(line);
    // One writer for the whole command: each response goes into the transcript as it is made (under a
    // scenario's cut: as far as it goes out), and its bytes go out with the rest of its batch, as one Buffer.
    const w = new ResponseWriter(preview);
    const respond = async (flushPoint: () => Promise<void>): Promise<void> => {
      for (const { seq, message } of messages) {
        let flagsChanged = false;
        if (marksSeen && !message.flags.has('\\Seen')) {
          await imap.ctx.store.setFlags(drop, view.folder, message, [...message.flags, '\\Seen']);
          view.reported(message.uid);
          flagsChanged = true;
        }
        // A keyword another session added since the last `* FLAGS` is announced first (RFC 3501 §7.2.6).
        for (const line of view.keywordLines()) {
          w.str(line);
          imap.endResponse(w);
        }
        w.str(`* ${seq} FETCH (`);
        for (let i = 0; i < items.length; i++) {
          if (i) w.str(' ');
          writeAttribute(w, view, message, items[i]!);
        }
        // The implicit \Seen is reported even when FLAGS was not asked for (RFC 3501 §6.4.5).
        if (flagsChanged && !asksFlags) w.str(' FLAGS ' + view.flagsText(message));
        // RFC 7162 §3.1.4: with CONDSTORE on, flag data carries its MODSEQ.
        if (view.sync.condstore && !asksModseq && (asksFlags || flagsChanged))
          w.str(' MODSEQ (' + message.modseq + ')');
        w.str(')');
        imap.endResponse(w);
        await flushPoint();
      }
    };
    await imap.batched(respond, 64, () => imap.writeResponses(w));
  },
};
