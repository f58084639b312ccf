/**
 * The MIME functions IMAP uses: ENVELOPE and BODYSTRUCTURE (built here, in mime/, from the neutral tree),
 * section bytes and decoded headers and text for SEARCH (store/mime.ts): one parsed tree per message,
 * cached, shared with nothing else. FETCH and SEARCH import them from here so the one seam to the MIME
 * side is visible. Results follow Dovecot 2.3 field by field (test/unit/mime.test.ts).
 */
import { mimeTree } from '../../store/mime.js';
import { prepare, Prepared } from './compose.js';
import { fieldsOf, type MessageBytes } from './message-fields.js';
import { structureOf } from './mime/body-structure.js';
import { envelopeOf } from './mime/envelope.js';
import type { ImapData } from './mime/imap-data.js';

export { bodySection, bodyText, headerValues } from '../../store/mime.js';
export type { ImapData } from './mime/imap-data.js';

/** ENVELOPE (RFC 3501 §7.4.2): [date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id].
 *  Strings are the raw header values (unfolded, NOT decoded: encoded-words stay encoded, as Dovecot does);
 *  addresses are [name, adl(null), mailbox, host]; sender/reply-to default to from; group syntax per §7.4.2. */
export function envelope(raw: Buffer): ImapData[] {
  return envelopeOf(raw, mimeTree(raw).header);
}

/** BODYSTRUCTURE when extended=true, BODY when false (RFC 3501 §7.4.2). */
export function bodyStructure(raw: Buffer, extended: boolean): ImapData[] {
  return structureOf(raw, mimeTree(raw), extended);
}

// Messages never change, so their structures can be kept as they go out, the way Dovecot keeps them
// in its cache file: flat strings in the message's record (message-fields.ts; the ImapData trees behind
// them are dozens of arrays each, which store/mime deliberately does not keep). Keyed by the message,
// so a record lives exactly as long as the message, and a body read again from disk is not parsed
// again for ENVELOPE or BODYSTRUCTURE.

export type { MessageBytes } from './message-fields.js';

/** What a record keeps of a Prepared value: its text alone when it has no literal (a Prepared object
 *  per value cost 40 bytes more, twice per message). */
function kept(value: Prepared): Prepared | string {
  return value.text ?? value;
}

/** A kept value as the Prepared the writer takes: a short-lived wrapper for a kept text. */
function prepared(value: Prepared | string): Prepared {
  return typeof value === 'string' ? new Prepared([value]) : value;
}

/**
 * A kept ENVELOPE text whose sender and reply-to are its from (RFC 3501 §7.4.2: the server fills them
 * in when the header has none, as most mail has not) holds that address list once, between two NULs
 * (which no text without a literal can hold): ~90 bytes less per message, 9 MB over 100,000.
 */
const SAME_FROM = '\0';

function compactEnvelope(data: ImapData[]): Prepared | string {
  const whole = prepare(data);
  const [, , from, sender, replyTo] = data;
  if (whole.text === null || !from || sender !== from || replyTo !== from) return kept(whole);
  const list = prepare(from).text!; // none of it is a literal: the whole text has none
  // The from list starts where "(date subject" ends: as long as "(date subject)".
  const at = prepare(data.slice(0, 2)).text!.length;
  const thrice = `${list} ${list} ${list}`;
  if (!whole.text.startsWith(thrice, at)) return whole.text;
  // A flat copy: pieces sliced from the whole text would keep it alive beside the short one.
  const short = whole.text.slice(0, at) + SAME_FROM + list + SAME_FROM + whole.text.slice(at + thrice.length);
  return Buffer.from(short, 'latin1').toString('latin1');
}

/** A kept ENVELOPE text as it goes out. */
function expandEnvelope(text: string): string {
  const start = text.indexOf(SAME_FROM);
  if (start < 0) return text;
  const end = text.indexOf(SAME_FROM, start + 1);
  const list = text.slice(start + 1, end);
  return text.slice(0, start) + list + ' ' + list + ' ' + list + text.slice(end + 1);
}

/** ENVELOPE (RFC 3501 §7.4.2) as wire text: from the header alone. */
export function envelopeWire(message: MessageBytes): Prepared {
  const fields = fieldsOf(message);
  const value = (fields.envelopeWire ??= compactEnvelope(envelope(message.head)));
  return typeof value === 'string' ? new Prepared([expandEnvelope(value)]) : value;
}

/** BODYSTRUCTURE when extended=true, BODY when false (RFC 3501 §7.4.2), as wire text. */
export function bodyStructureWire(message: MessageBytes, extended: boolean): Prepared {
  const fields = fieldsOf(message);
  if (extended)
    return prepared((fields.bodyStructureWire ??= kept(prepare(bodyStructure(message.raw, true)))));
  return prepared((fields.bodyWire ??= kept(prepare(bodyStructure(message.raw, false)))));
}
