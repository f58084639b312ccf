/**
 * The MIME functions IMAP uses: ENVELOPE and BODYSTRUCTURE (built here, in mime/, from the neutral tree),
 * section bytes and decoded headers and text for SEARCH (store/mime.ts): one parsed tree per message,
 * cached, shared with nothing else. FETCH and SEARCH import them from here so the one seam to the MIME
 * side is visible. Results follow Dovecot 2.3 field by field (test/unit/mime.test.ts).
 */
import { mimeTree } from '../../store/mime.js';
import type { StoredMessage } from '../../store/types.js';
import { prepare, type Prepared } from './compose.js';
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

/** A message's ENVELOPE, BODY and BODYSTRUCTURE as wire text, each serialized on first use. */
class WireForms {
  envelope: Prepared | null = null;
  body: Prepared | null = null;
  bodyStructure: Prepared | null = null;
}

// Messages never change, so their structures can be kept as they go out, the way Dovecot keeps them
// in its cache file: three flat strings per message (the ImapData trees behind them are dozens of
// arrays each, which store/mime deliberately does not keep). Keyed by the message's `head` (its raw
// Buffer in memory, its kept header block with --maildir), so an entry lives exactly as long as the
// message, and a body read again from disk is not parsed again for BODYSTRUCTURE.
const wireForms = new WeakMap<Buffer, WireForms>();

/** What the wire forms read of a message. */
export type MessageBytes = Pick<StoredMessage, 'raw' | 'head'>;

function formsOf(message: MessageBytes): WireForms {
  let forms = wireForms.get(message.head);
  if (!forms) {
    forms = new WireForms();
    wireForms.set(message.head, forms);
  }
  return forms;
}

/** ENVELOPE (RFC 3501 §7.4.2) as wire text: from the header alone. */
export function envelopeWire(message: MessageBytes): Prepared {
  const forms = formsOf(message);
  return (forms.envelope ??= prepare(envelope(message.head)));
}

/** BODYSTRUCTURE when extended=true, BODY when false (RFC 3501 §7.4.2), as wire text. */
export function bodyStructureWire(message: MessageBytes, extended: boolean): Prepared {
  const forms = formsOf(message);
  if (extended) return (forms.bodyStructure ??= prepare(bodyStructure(message.raw, true)));
  return (forms.body ??= prepare(bodyStructure(message.raw, false)));
}
