/**
 * The MIME functions IMAP uses (ENVELOPE, BODYSTRUCTURE, section bytes, decoded headers and text for
 * SEARCH), all from store/mime.ts: one parsed tree per message, cached, shared with nothing else.
 * FETCH and SEARCH import them from here so the one seam to the MIME side is visible.
 */
import { bodyStructure, envelope } from '../../store/mime.js';
import { prepare, type Prepared } from './compose.js';

export { bodySection, bodyStructure, bodyText, envelope, headerValues } from '../../store/mime.js';

/** A message's ENVELOPE, BODY and BODYSTRUCTURE as wire text, each serialized on first use. */
class WireForms {
  envelope: Prepared | null = null;
  body: Prepared | null = null;
  bodyStructure: Prepared | null = null;
}

// Messages never change, so their structures can be kept as they go out, the way Dovecot keeps them
// in its cache file: three flat strings per message (the ImapData trees behind them are dozens of
// arrays each, which store/mime deliberately does not keep). Keyed by the raw Buffer, so an entry
// lives exactly as long as the message and its parsed tree.
const wireForms = new WeakMap<Buffer, WireForms>();

function formsOf(raw: Buffer): WireForms {
  let forms = wireForms.get(raw);
  if (!forms) {
    forms = new WireForms();
    wireForms.set(raw, forms);
  }
  return forms;
}

/** ENVELOPE (RFC 3501 §7.4.2) as wire text. */
export function envelopeWire(raw: Buffer): Prepared {
  const forms = formsOf(raw);
  return (forms.envelope ??= prepare(envelope(raw)));
}

/** BODYSTRUCTURE when extended=true, BODY when false (RFC 3501 §7.4.2), as wire text. */
export function bodyStructureWire(raw: Buffer, extended: boolean): Prepared {
  const forms = formsOf(raw);
  if (extended) return (forms.bodyStructure ??= prepare(bodyStructure(raw, true)));
  return (forms.body ??= prepare(bodyStructure(raw, false)));
}
