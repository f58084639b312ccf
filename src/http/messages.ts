/** /api/v1/messages: what SMTP delivered, newest first, with filters; one message, its raw bytes and parts. */
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';
import { decodedPart, detail, summarize } from './message-view.js';
import { HttpError, send, sendJson } from './respond.js';
import type { ApiRequest, HttpContext, Route } from './router.js';

const MAX_PAGE = 1_000;
const DEFAULT_PAGE = 100;

function count(url: URL, name: string, fallback: number, max: number): number {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) > max)
    throw new HttpError(
      400,
      'bad-query',
      `${name}=${JSON.stringify(value)}: give a whole number from 0 to ${max}`,
    );
  return Number(value);
}

function contains(haystacks: (string | null)[], needle: string): boolean {
  return haystacks.some((h) => h !== null && h.toLowerCase().includes(needle));
}

function listMessages({ res, url, ctx }: ApiRequest): void {
  const limit = count(url, 'limit', DEFAULT_PAGE, MAX_PAGE);
  const offset = count(url, 'offset', 0, 1e9);
  const to = url.searchParams.get('to')?.toLowerCase();
  const from = url.searchParams.get('from')?.toLowerCase();
  const subject = url.searchParams.get('subject')?.toLowerCase();
  // `to` and `from` match the envelope or the header field: a test asserts either.
  const matching = ctx.sandbox
    .messages()
    .reverse()
    .map(summarize)
    .filter(
      (m) =>
        (!to || contains([m.to, ...m.rcptTo], to)) &&
        (!from || contains([m.from, m.mailFrom], from)) &&
        (!subject || contains([m.subject], subject)),
    );
  sendJson(res, 200, {
    total: matching.length,
    offset,
    limit,
    messages: matching.slice(offset, offset + limit),
  });
}

function findMessage(ctx: HttpContext, id: string): StoredMessage {
  const message = ctx.sandbox.messages().find((m) => m.id === id);
  if (!message) throw new HttpError(404, 'no-such-message', `no message ${JSON.stringify(id)}`);
  return message;
}

function getMessage({ res, params, ctx }: ApiRequest): void {
  sendJson(res, 200, detail(findMessage(ctx, params[0]!)));
}

/** Answers that carry a client's bytes are never run as a page of this origin (RFC 6266, CSP sandbox). */
const UNTRUSTED = { 'Content-Security-Policy': "sandbox; default-src 'none'" };

function getRaw({ res, params, ctx }: ApiRequest): void {
  const message = findMessage(ctx, params[0]!);
  send(res, 200, message.raw, 'message/rfc822', {
    ...UNTRUSTED,
    'Content-Disposition': `inline; filename="${message.id}.eml"`,
  });
}

function getPart({ res, params, ctx }: ApiRequest): void {
  const message = findMessage(ctx, params[0]!);
  const part = decodedPart(message, params[1]!);
  if ('problem' in part) throw new HttpError(404, 'no-such-part', part.problem);
  const name = part.filename?.replace(/[^\w.+-]/g, '_');
  send(res, 200, part.body, part.contentType, {
    ...UNTRUSTED,
    ...(name ? { 'Content-Disposition': `attachment; filename="${name}"` } : {}),
  });
}

/** Removes messages for good, as an IMAP EXPUNGE would: open IMAP and POP3 sessions are told. */
export async function removeMessages(store: MailStore, ids: Set<string> | null): Promise<number> {
  let removed = 0;
  for (const drop of store.maildropNames()) {
    for (const folder of await store.folders(drop)) {
      const uids = folder.messages.filter((m) => m.envelope && (!ids || ids.has(m.id))).map((m) => m.uid);
      if (uids.length) removed += (await store.expunge(drop, folder.name, uids)).length;
    }
  }
  return removed;
}

async function deleteMessage({ res, params, ctx }: ApiRequest): Promise<void> {
  const message = findMessage(ctx, params[0]!);
  await removeMessages(ctx.sandbox.store, new Set([message.id]));
  res.writeHead(204).end();
}

async function deleteAll({ res, ctx }: ApiRequest): Promise<void> {
  sendJson(res, 200, { deleted: await removeMessages(ctx.sandbox.store, null) });
}

export const MESSAGE_ROUTES: Route[] = [
  { method: 'GET', path: /^\/api\/v1\/messages$/, handle: listMessages },
  { method: 'DELETE', path: /^\/api\/v1\/messages$/, handle: deleteAll },
  { method: 'GET', path: /^\/api\/v1\/messages\/([^/]+)$/, handle: getMessage },
  { method: 'DELETE', path: /^\/api\/v1\/messages\/([^/]+)$/, handle: deleteMessage },
  { method: 'GET', path: /^\/api\/v1\/messages\/([^/]+)\/raw$/, handle: getRaw },
  { method: 'GET', path: /^\/api\/v1\/messages\/([^/]+)\/parts\/([^/]+)$/, handle: getPart },
];
