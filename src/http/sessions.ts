/** /api/v1/sessions: every session the transcript bus still holds, and one session's transcript. */
import type { Finding } from '../report/catalog.js';
import type { Proto, TranscriptEvent } from '../transcript/events.js';
import { formatTranscript } from '../transcript/export.js';
import { HttpError, send, sendJson } from './respond.js';
import type { ApiRequest, Route } from './router.js';

export interface SessionSummary {
  sid: string;
  proto: Proto;
  listener: string;
  localPort: number;
  /** `address:port` of the client. */
  client: string;
  /** The last user name that logged in successfully, else the last one tried, else null. */
  user: string | null;
  auth: { mechanism: string; username: string; ok: boolean }[];
  /** null while the session is plain text. */
  tls: { how: 'implicit' | 'starttls'; protocol: string; cipher: string } | null;
  state: 'open' | 'closed';
  openedAt: string;
  closedAt: string | null;
  closeReason: string | null;
  counts: {
    clientLines: number;
    serverLines: number;
    messages: number;
    scenarioActions: number;
    warnings: number;
  };
  /** What the client did wrong or risky (src/report/, sandbox.report()). */
  findings: Finding[];
}

/** The events a summary counts one by one, and the count each adds to. */
const COUNTED: Partial<Record<TranscriptEvent['type'], keyof SessionSummary['counts']>> = {
  'client-line': 'clientLines',
  'server-line': 'serverLines',
  'message-stored': 'messages',
  'scenario-action': 'scenarioActions',
};

/** Folds the retained events into one summary per session, newest session first. */
export function summarizeSessions(events: Iterable<TranscriptEvent>, since: number): SessionSummary[] {
  const sessions = new Map<string, SessionSummary>();
  for (const e of events) {
    if (e.seq <= since) continue;
    if (e.type === 'session-open') {
      sessions.set(e.sid, {
        sid: e.sid,
        proto: e.proto,
        listener: e.listener,
        localPort: e.localPort,
        client: `${e.remoteAddress}:${e.remotePort}`,
        user: null,
        auth: [],
        tls: null,
        state: 'open',
        openedAt: new Date(e.time).toISOString(),
        closedAt: null,
        closeReason: null,
        counts: { clientLines: 0, serverLines: 0, messages: 0, scenarioActions: 0, warnings: 0 },
        findings: [],
      });
      continue;
    }
    // Events of a session whose opening left the ring (or came before a reset) are not listed.
    const s = sessions.get(e.sid);
    if (!s) continue;
    const counter = COUNTED[e.type];
    if (counter) {
      s.counts[counter]++;
      continue;
    }
    switch (e.type) {
      case 'tls-upgraded':
        s.tls = { how: e.how, protocol: e.protocol, cipher: e.cipher };
        break;
      case 'auth':
        s.auth.push({ mechanism: e.mechanism, username: e.username, ok: e.ok });
        if (e.ok || !s.auth.some((a) => a.ok)) s.user = e.username;
        break;
      case 'note':
        if (e.level !== 'info') s.counts.warnings++;
        break;
      case 'session-close':
        s.state = 'closed';
        s.closedAt = new Date(e.time).toISOString();
        s.closeReason = e.reason;
        break;
    }
  }
  return [...sessions.values()].reverse();
}

function listSessions({ res, ctx }: ApiRequest): void {
  const events = ctx.sandbox.bus.history();
  // `seq`: the bus position this list is current to; GET /events?since=seq goes on from there.
  const seq = events.at(-1)?.seq ?? 0;
  const sessions = summarizeSessions(events, ctx.sessionsSince);
  const findings = new Map(ctx.sandbox.report().sessions.map((s) => [s.sid, s.findings]));
  for (const s of sessions) s.findings = findings.get(s.sid) ?? [];
  sendJson(res, 200, { seq, sessions });
}

function transcript({ res, url, params, ctx }: ApiRequest): void {
  const sid = params[0]!;
  const format = url.searchParams.get('format') ?? 'text';
  if (format !== 'text' && format !== 'jsonl')
    throw new HttpError(400, 'bad-query', `format=${JSON.stringify(format)}: use text or jsonl`);
  const events = ctx.sandbox.bus.history(sid).filter((e) => e.seq > ctx.sessionsSince);
  if (!events.length)
    throw new HttpError(404, 'no-such-session', `no session ${JSON.stringify(sid)} in the transcript`);
  if (format === 'jsonl') {
    send(
      res,
      200,
      events.map((e) => JSON.stringify(e) + '\n').join(''),
      'application/x-ndjson; charset=utf-8',
    );
  } else {
    send(res, 200, formatTranscript(events), 'text/plain; charset=utf-8');
  }
}

export const SESSION_ROUTES: Route[] = [
  { method: 'GET', path: /^\/api\/v1\/sessions$/, handle: listSessions },
  { method: 'GET', path: /^\/api\/v1\/sessions\/([^/]+)\/transcript$/, handle: transcript },
];
