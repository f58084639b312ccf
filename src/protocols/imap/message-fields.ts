/**
 * What IMAP keeps of each message, in one record per message (as Dovecot keeps it in its cache file):
 * the header fields SEARCH, SORT and THREAD compare, read once (the Date header's time and calendar
 * day, the base subject, the addresses of an address field, Message-ID and References), and the wire
 * text of ENVELOPE, BODY and BODYSTRUCTURE (mime-access.ts). Kept on the message, so an expunged
 * message's record goes with it. One record rather than a map per cache: each map entry and each record
 * cost tens of bytes per message, megabytes over a large Maildir. The record reads the message's header
 * only to fill a field the first time (with `--maildir` a read of its file), and keeps no bytes.
 */
import { Libmime } from 'libmime';
import { headerValues, mimeTree } from '../../store/mime.js';
import { parseAddressList } from '../../store/mime/address.js';
import { fieldsNamed, headerFields, unfoldedValue } from '../../store/mime/header.js';
import { asciiCasemap, baseSubject } from './base-subject.js';
import type { StoredMessage } from '../../store/types.js';
import type { Prepared } from './compose.js';

const DAY = 86_400_000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// RFC 5322 §3.3 and the obsolete zones of §4.3.
const ZONES: Record<string, number> = { UT: 0, GMT: 0, Z: 0, EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7 };
Object.assign(ZONES, { MDT: -6, PST: -8, PDT: -7 });
const DATE =
  /^\s*(?:[A-Za-z]+\s*,?\s*)?(\d{1,2})\s*-?\s*([A-Za-z]{3})[A-Za-z]*\s*-?\s*(\d{2,4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*([+-]\d{4}|[A-Za-z]+)?)?/;

export interface SentDate {
  /** The instant, in ms since the epoch (zone applied). */
  time: number;
  /** The calendar day as written in the header, as a UTC midnight: RFC 3501 §6.4.4 SENTON and
   *  friends compare this day "disregarding time and timezone". */
  day: number;
}

/** An RFC 5322 date-time (lenient: obsolete zones, two-digit years, comments); null when unreadable. */
export function parseSentDate(value: string): SentDate | null {
  const text = value.replace(/\([^)]*\)/g, ' ');
  const m = DATE.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) {
    const time = Date.parse(text.trim());
    if (Number.isNaN(time)) return null;
    const d = new Date(time);
    return { time, day: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) };
  }
  let year = Number(m[3]);
  if (m[3]!.length <= 2)
    year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3
  else if (m[3]!.length === 3) year += 1900;
  const day = Date.UTC(year, month, Number(m[1]));
  const zone = m[7] ?? '+0000';
  let offsetMinutes = 0;
  if (/^[+-]\d{4}$/.test(zone))
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
  else offsetMinutes = (ZONES[zone.toUpperCase()] ?? 0) * 60;
  const clock = ((Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) * 60 + Number(m[6] ?? 0)) * 1000;
  return { time: day + clock - offsetMinutes * 60_000, day };
}

/** `<a@b>` message ids in a Message-ID / References / In-Reply-To value, in order (RFC 5322 §3.6.4). */
export function messageIds(value: string): string[] {
  return value.match(/<[^<>\s]+>/g) ?? [];
}

const libmime = new Libmime();

/** An address with its display name decoded (RFC 2047) and its addr-spec. */
export interface Address {
  name: string | null;
  mailbox: string;
  host: string;
}

function decodeWords(text: string): string {
  try {
    const utf8 = /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
    return libmime.decodeWords(utf8.includes('\ufffd') ? text : utf8);
  } catch {
    return text;
  }
}

/** Header field names SEARCH keeps the values of, per message (see MessageFields.searchValues). */
const MAX_SEARCHED_FIELDS = 8;

/** The parsed fields of one message; each is read on first use. */
export class MessageFields {
  /** ENVELOPE, BODY and BODYSTRUCTURE as wire text, serialized on first use by mime-access.ts (a
   *  string when the value holds no literal, the usual case; ENVELOPE's with a from list it repeats
   *  kept once, see there). */
  envelopeWire: Prepared | string | null = null;
  bodyWire: Prepared | string | null = null;
  bodyStructureWire: Prepared | string | null = null;
  // The Date header as its instant (null: none or unreadable) and its calendar day counted in days
  // since the epoch: a small integer, where a SentDate object and its two doubles were ~80 bytes.
  private sentInstant: number | null | undefined;
  private sentDayNumber = 0;
  // The base subject's comparable form and reply mark only: the BaseSubject object and its text were
  // ~80 bytes more per message, and nothing reads them after.
  private sortSubject: string | undefined;
  private replyValue: boolean | undefined;
  /** Made on first use: SORT (DATE) and THREAD read no addresses, and a Map per message of a large
   *  mailbox is megabytes. */
  private addressLists: Map<string, Address[]> | null = null;
  private idValue: string | null | undefined;
  private referencesValue: readonly string[] | undefined;
  /** Decoded values of the header fields SEARCH read, as [name, values, name, values…]; a single
   *  value as the string alone. */
  private searched: (string | string[])[] | null = null;

  constructor(private readonly message: MessageBytes) {}

  /** The message's header block, to read a field not kept yet: read again each time, not kept here. */
  private get head(): Buffer {
    return this.message.head;
  }

  /** The values of header field `name` (lower case), unfolded and RFC 2047-decoded, for SEARCH: a
   *  client that searches the same mailbox again (every sync does) pays for the decoding once, as
   *  Dovecot's cache lets it. Kept for the first MAX_SEARCHED_FIELDS names searched, so a client that
   *  searches ever new names cannot grow a message's record without end. */
  searchValues(name: string): string[] {
    const kept = this.searched;
    if (kept)
      for (let i = 0; i < kept.length; i += 2)
        if (kept[i] === name) {
          const values = kept[i + 1]!;
          return typeof values === 'string' ? [values] : values;
        }
    const values = headerValues(this.head, name);
    const keep = values.length === 1 ? values[0]! : values;
    if (!kept) this.searched = [name, keep];
    else if (kept.length < 2 * MAX_SEARCHED_FIELDS) kept.push(name, keep);
    return values;
  }

  private readSent(): void {
    const value = headerValues(this.head, 'date')[0];
    const sent = value === undefined ? null : parseSentDate(value);
    this.sentInstant = sent?.time ?? null;
    this.sentDayNumber = sent ? sent.day / DAY : 0;
  }

  /** The Date header's instant (SentDate.time), or null when it is missing or unreadable. */
  get sentTime(): number | null {
    if (this.sentInstant === undefined) this.readSent();
    return this.sentInstant!;
  }

  /** The Date header's calendar day (SentDate.day), or null when it is missing or unreadable. */
  get sentDay(): number | null {
    if (this.sentInstant === undefined) this.readSent();
    return this.sentInstant === null ? null : this.sentDayNumber * DAY;
  }

  private readSubject(): void {
    const subject = baseSubject(headerValues(this.head, 'subject')[0] ?? '');
    this.sortSubject = asciiCasemap(subject.text);
    this.replyValue = subject.isReplyOrForward;
  }

  /** The RFC 5256 §2.1 base subject (encoded-words decoded) under i;ascii-casemap, ready to compare. */
  get subjectKey(): string {
    if (this.sortSubject === undefined) this.readSubject();
    return this.sortSubject!;
  }

  /** RFC 5256 §2.1 (6): the base subject lost a reply or forward leader or trailer (Re:, Fwd:, (fwd)). */
  get isReplyOrForward(): boolean {
    if (this.replyValue === undefined) this.readSubject();
    return this.replyValue!;
  }

  /** Every address of every field `key` (from, to, cc, bcc…), comments and folding removed (parsed
   *  from the raw value: a decoded display name may hold commas); group markers left out. */
  addresses(key: string): Address[] {
    let list = this.addressLists?.get(key);
    if (!list) {
      list = [];
      const raw = this.head;
      for (const field of fieldsNamed(headerFields(raw, mimeTree(raw).header), key))
        for (const a of parseAddressList(unfoldedValue(raw, field)))
          if (a.mailbox !== null && a.host !== null)
            list.push({
              name: a.name === null ? null : decodeWords(a.name),
              mailbox: a.mailbox,
              host: a.host,
            });
      (this.addressLists ??= new Map()).set(key, list);
    }
    return list;
  }

  /** The Message-ID, or null when there is none. */
  get messageId(): string | null {
    if (this.idValue === undefined)
      this.idValue = messageIds(headerValues(this.head, 'message-id')[0] ?? '')[0] ?? null;
    return this.idValue;
  }

  /** RFC 5256 §2.2 step 1A: References, else the first id of In-Reply-To. */
  get references(): readonly string[] {
    if (this.referencesValue === undefined) {
      let references: readonly string[] = messageIds(headerValues(this.head, 'references').join(' '));
      if (!references.length) {
        const inReplyTo = messageIds(headerValues(this.head, 'in-reply-to')[0] ?? '')[0];
        // Most messages have neither: one shared empty list rather than an array each.
        references = inReplyTo ? [inReplyTo] : NO_IDS;
      }
      this.referencesValue = references;
    }
    return this.referencesValue;
  }
}

const NO_IDS: readonly string[] = Object.freeze([]);

/** What a record reads of a message, and where it is kept. */
export type MessageBytes = Pick<StoredMessage, 'raw' | 'head' | 'derived'>;

/** The message's record, made on first use and kept on the message itself (StoredMessage.derived). */
export function fieldsOf(message: MessageBytes): MessageFields {
  let fields = message.derived as MessageFields | undefined;
  if (!fields) message.derived = fields = new MessageFields(message);
  return fields;
}
