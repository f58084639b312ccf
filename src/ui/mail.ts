import { detail, summarize, type MessageSummary, type PartNode } from '../http/message-view.js';
import type { StoredMail } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';
import { decodedPart } from '../http/message-view.js';
import { visible } from '../transcript/visible.js';
import type { Segment } from './layout.js';
import { clock } from './layout.js';
import type { AppendedBy } from './model.js';

export type { StoredMail };

/** Where the messages view reads stored mail: the sandbox's store (or a fake one in tests). */
export interface MailSource {
  /** Every stored message (SMTP, IMAP APPEND, seeded), with its maildrop and folder, oldest first. */
  messages(): StoredMail[];
  /** Called when the store changed; returns unsubscribe. */
  onChange(listener: () => void): () => void;
}

/** The list is rebuilt from the store at most this often while mail keeps arriving (it copies and
 *  sorts every message: 100,000 of them take tens of milliseconds). */
export const MAIL_REFRESH_MS = 1_000;

/**
 * The newest-first message list, rebuilt only when the store changed and at most once per
 * MAIL_REFRESH_MS; rows read their subject through `summaryOf`, parsed only for the rows on screen.
 */
export class MailList {
  private list: StoredMail[] = [];
  private dirty = true;
  private builtAt = -Infinity;
  private readonly summaries = new Map<StoredMessage, MessageSummary>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly source: MailSource,
    private readonly maxSummaries = 2_000,
  ) {
    this.unsubscribe = source.onChange(() => (this.dirty = true));
  }

  /** The store changed since the list was built (the App redraws for it once a second). */
  get stale(): boolean {
    return this.dirty;
  }

  /** Newest first. */
  current(now = Date.now()): StoredMail[] {
    if (this.dirty && now - this.builtAt >= MAIL_REFRESH_MS) {
      this.list = this.source.messages().reverse();
      this.dirty = false;
      this.builtAt = now;
    }
    return this.list;
  }

  /** Subject and header fields of one message, parsed on first use; the cache keeps the latest few thousand. */
  summaryOf(message: StoredMessage): MessageSummary {
    let s = this.summaries.get(message);
    if (s) return s;
    s = summarize(message);
    this.summaries.set(message, s);
    if (this.summaries.size > this.maxSummaries) this.summaries.delete(this.summaries.keys().next().value!);
    return s;
  }

  close(): void {
    this.unsubscribe();
  }
}

/** The session a message came in by: SMTP (its envelope, in the store) or IMAP APPEND (seen on the bus). */
export interface MailOrigin {
  how: 'SMTP' | 'APPEND';
  sid: string;
  listener: string;
  /** TLS protocol (and cipher, for SMTP), null in plain text. */
  tls: string | null;
  user: string | null;
}

/** Null for mail no session brought while the UI watched: seeded (a scenario's `mail`, a Maildir), or an IMAP COPY. */
export function originOf(mail: StoredMail, appended: ReadonlyMap<string, AppendedBy>): MailOrigin | null {
  const env = mail.message.envelope;
  if (env) return { how: 'SMTP', sid: env.sid, listener: env.listener, tls: env.tls, user: env.authUser };
  const by = appended.get(mail.message.id);
  if (!by) return null;
  // The session list's label (`STARTTLS→TLSv1.3`) without the way it got there.
  const tls = by.tls === 'plain' ? null : by.tls.replace(/^.*→/, '');
  return { how: 'APPEND', sid: by.sid, listener: by.listener, tls, user: by.user };
}

/** `TLSv1.3` / `plain`, with the authenticated user: how the message came in. */
export function security(origin: MailOrigin | null, long: boolean): string {
  if (!origin) return '-';
  const tls = origin.tls ? (long ? origin.tls.split(' ')[0]! : 'TLS') : 'plain';
  return origin.user ? `${tls}+${long ? origin.user : 'auth'}` : tls;
}

/** Lines of one message's view, built when it is opened (never for the whole list). */
export type DetailRow = Segment[];

/** Raw and decoded text shown at most this far: a 50 MB message must not become a million rows. */
const MAX_BODY_LINES = 5_000;
const MAX_BODY_BYTES = 1 << 20;

function bodyRows(text: string, style: Segment['style'], indent = ''): DetailRow[] {
  const cut = text.length > MAX_BODY_BYTES;
  const lines = (cut ? text.slice(0, MAX_BODY_BYTES) : text).split('\n');
  // A blank line keeps a space: Ink gives an empty Text no row at all.
  const rows = lines
    .slice(0, MAX_BODY_LINES)
    .map((l) => [{ text: indent + visible(l.replace(/\r$/, '')) || ' ', style }]);
  if (cut || lines.length > MAX_BODY_LINES)
    rows.push([
      {
        text: `${indent}… cut here (${text.length} characters in all; r shows the raw message)`,
        style: 'meta',
      },
    ]);
  return rows;
}

function partRows(node: PartNode, depth: number, out: DetailRow[]): void {
  const bits = [
    node.type,
    node.encoding ?? '',
    `${node.size} bytes`,
    node.filename ? `"${node.filename}"` : '',
  ];
  out.push([
    { text: `  ${'  '.repeat(depth)}${(node.part || '-').padEnd(6)} `, style: 'tag' },
    {
      text: visible(bits.filter(Boolean).join('  ')),
      style: node.type.startsWith('multipart/') ? 'meta' : 'server',
    },
  ]);
  for (const child of node.children ?? []) partRows(child, depth + 1, out);
}

function firstTextPart(node: PartNode): PartNode | null {
  if (node.type === 'text/plain') return node;
  for (const child of node.children ?? []) {
    const found = firstTextPart(child);
    if (found) return found;
  }
  return null;
}

/** Mail SMTP did not bring: the APPEND that did, or what may have; and its flags. */
function originRows(origin: MailOrigin | null, message: StoredMessage): DetailRow[] {
  const meta = (text: string): DetailRow => [{ text: visible(text), style: 'meta' }];
  const flags = meta(`flags: ${message.flags.size ? [...message.flags].join(' ') : 'none'}`);
  // Seeded mail (a scenario's `mail`, a Maildir) and IMAP COPYs are stored without a session's event.
  if (!origin)
    return [meta('no delivering session: seeded (scenario mail, a Maildir) or an IMAP COPY'), flags];
  return [
    meta(`APPENDed by ${origin.sid} on ${origin.listener} · t: its transcript`),
    [
      { text: 'security: ', style: 'meta' },
      { text: origin.tls ?? 'no TLS', style: origin.tls ? 'tls' : 'fail' },
      { text: origin.user ? visible(`, logged in as ${origin.user}`) : ', login not seen', style: 'meta' },
    ],
    flags,
  ];
}

function decodeText(body: Buffer, contentType: string): string {
  const charset = /charset=([\w.:+-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? 'utf-8';
  try {
    return new TextDecoder(charset === 'us-ascii' ? 'utf-8' : charset).decode(body);
  } catch {
    return body.toString('latin1');
  }
}

/** The message as the view shows it: envelope and delivery, headers, MIME tree, decoded text; or raw. */
export function detailRows(mail: StoredMail, origin: MailOrigin | null, raw: boolean): DetailRow[] {
  const message = mail.message;
  if (raw) return bodyRows(message.raw.toString('latin1'), 'server');
  const d = detail(message);
  const env = message.envelope;
  const rows: DetailRow[] = [];
  const head = (text: string) => rows.push([{ text, style: 'tag' }]);
  rows.push([
    { text: `${clock(message.internalDate.getTime(), true)} `, style: 'time' },
    {
      text: visible(`message ${message.id}, ${message.size} bytes, in ${mail.folder} of ${mail.maildrop}`),
      style: 'server',
    },
  ]);
  if (!env) rows.push(...originRows(origin, message));
  if (env) {
    rows.push([
      {
        text: visible(
          `envelope: MAIL FROM <${env.mailFrom}> RCPT TO ${env.rcptTo.map((r) => `<${r}>`).join(', ')}`,
        ),
        style: 'client',
      },
    ]);
    rows.push([
      {
        text: visible(
          `delivered by ${env.sid} on ${env.listener} from ${env.remoteAddress} (HELO ${env.helo}) · t: its transcript`,
        ),
        style: 'meta',
      },
    ]);
    rows.push([
      { text: 'security: ', style: 'meta' },
      { text: env.tls ?? 'no TLS', style: env.tls ? 'tls' : 'fail' },
      { text: env.authUser ? visible(`, AUTH as ${env.authUser}`) : ', no AUTH', style: 'meta' },
    ]);
  }
  head('Headers');
  for (const h of d.headers)
    rows.push([
      { text: visible(`  ${h.name}:`), style: 'client' },
      { text: visible(` ${h.value}`), style: 'server' },
    ]);
  head('MIME tree (part, type, encoding, size, file name)');
  partRows(d.mime, 0, rows);
  const text = firstTextPart(d.mime);
  if (text) {
    const part = decodedPart(message, text.part || '1');
    if ('body' in part) {
      head(`Text (part ${text.part || '1'}, ${part.contentType})`);
      rows.push(...bodyRows(decodeText(part.body, part.contentType), 'server', '  '));
    }
  } else head('No text/plain part (r shows the raw message)');
  return rows;
}
