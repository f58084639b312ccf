/**
 * ENVELOPE (RFC 3501 §7.4.2) of a message or of an encapsulated message/rfc822 part. Values are the raw
 * header text, unfolded but not decoded (encoded-words stay encoded, as Dovecot sends them).
 */
import { parseAddressList } from './address.js';
import { lastValue, unfoldedValue, type HeaderBlock } from './header.js';
import { nstring, type ImapData } from './imap-data.js';

function addressField(raw: Buffer, header: HeaderBlock, key: string): ImapData[] | null {
  // Repeated address fields add up (From: a, From: b → both), as Dovecot does.
  const list: ImapData[] = [];
  for (const field of header.fields) {
    if (field.key !== key) continue;
    for (const a of parseAddressList(unfoldedValue(raw, field))) {
      list.push([nstring(a.name), nstring(a.adl), nstring(a.mailbox), nstring(a.host)]);
    }
  }
  return list.length ? list : null;
}

export function envelopeOf(raw: Buffer, header: HeaderBlock): ImapData[] {
  const from = addressField(raw, header, 'from');
  return [
    nstring(lastValue(raw, header, 'date')),
    nstring(lastValue(raw, header, 'subject')),
    from,
    // RFC 3501 §7.4.2: the server fills sender and reply-to from `from` when they are absent.
    addressField(raw, header, 'sender') ?? from,
    addressField(raw, header, 'reply-to') ?? from,
    addressField(raw, header, 'to'),
    addressField(raw, header, 'cc'),
    addressField(raw, header, 'bcc'),
    nstring(lastValue(raw, header, 'in-reply-to')),
    nstring(lastValue(raw, header, 'message-id')),
  ];
}
