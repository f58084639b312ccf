/**
 * ENVELOPE (RFC 3501 §7.4.2) of a message or of an encapsulated message/rfc822 part. Values are the raw
 * header text, unfolded but not decoded (encoded-words stay encoded, as Dovecot sends them).
 */
import { parseAddressList } from '../../../store/mime/address.js';
import {
  headerFields,
  lastValue,
  unfoldedValue,
  type HeaderBlock,
  type HeaderField,
} from '../../../store/mime/header.js';
import { nstring, type ImapData } from './imap-data.js';

function addressField(raw: Buffer, fields: HeaderField[], key: string): ImapData[] | null {
  // Repeated address fields add up (From: a, From: b → both), as Dovecot does.
  const list: ImapData[] = [];
  for (const field of fields) {
    if (field.key !== key) continue;
    for (const a of parseAddressList(unfoldedValue(raw, field))) {
      list.push([nstring(a.name), nstring(a.adl), nstring(a.mailbox), nstring(a.host)]);
    }
  }
  return list.length ? list : null;
}

export function envelopeOf(raw: Buffer, header: HeaderBlock): ImapData[] {
  const fields = headerFields(raw, header);
  const from = addressField(raw, fields, 'from');
  return [
    nstring(lastValue(raw, fields, 'date')),
    nstring(lastValue(raw, fields, 'subject')),
    from,
    // RFC 3501 §7.4.2: the server fills sender and reply-to from `from` when they are absent.
    addressField(raw, fields, 'sender') ?? from,
    addressField(raw, fields, 'reply-to') ?? from,
    addressField(raw, fields, 'to'),
    addressField(raw, fields, 'cc'),
    addressField(raw, fields, 'bcc'),
    nstring(lastValue(raw, fields, 'in-reply-to')),
    nstring(lastValue(raw, fields, 'message-id')),
  ];
}
