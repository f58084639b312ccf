// The sessions list, kept live from the event stream, and the selected session's transcript and findings.
import { $, api, el, notice } from './dom.js';
import { lineNode } from './transcript.js';

const MAX_TRANSCRIPT_LINES = 5000;
/** Sessions the page keeps (the oldest go first) and rows it draws: a load test cannot stall the tab. */
const MAX_SESSIONS = 2000;
const MAX_ROWS = 500;

const sessions = new Map();
let selectedSid = null;

export function clearSelection() {
  selectedSid = null;
  $('transcript').replaceChildren();
  renderFindings(null);
}
let renderQueued = false;

function sessionFromOpen(e) {
  return {
    sid: e.sid,
    proto: e.proto,
    listener: e.listener,
    client: `${e.remoteAddress}:${e.remotePort}`,
    user: null,
    tls: null,
    state: 'open',
    lines: 0,
  };
}

export function applyEvent(e) {
  if (e.type === 'session-open') {
    sessions.set(e.sid, sessionFromOpen(e));
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
    return;
  }
  const s = sessions.get(e.sid);
  if (!s) return;
  if (e.type === 'client-line' || e.type === 'server-line') s.lines++;
  else if (e.type === 'auth' && (e.ok || !s.user)) s.user = e.username;
  else if (e.type === 'tls-upgraded') s.tls = { how: e.how, protocol: e.protocol };
  else if (e.type === 'session-close') s.state = 'closed';
  else if (e.type === 'finding') {
    const list = sessionFindings.get(e.sid) ?? [];
    list.push({ id: e.id, severity: e.severity, message: e.message, line: e.line });
    sessionFindings.set(e.sid, list);
    if (e.sid === selectedSid) renderFindings(list);
  }
}

function tlsLabel(tls) {
  if (!tls) return 'plain';
  return tls.how === 'starttls' ? `STARTTLS→${tls.protocol}` : tls.protocol;
}

export function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderSessions();
  });
}

export function renderSessions() {
  const rows = [...sessions.values()]
    .slice(-MAX_ROWS)
    .reverse()
    .map((s) =>
      el(
        'tr',
        {
          className: `${s.state}${s.sid === selectedSid ? ' selected' : ''}`,
          'data-sid': s.sid,
          onclick: () => selectSession(s.sid),
        },
        el('td', { text: s.sid }),
        el('td', { text: s.listener }),
        el('td', { text: s.client }),
        el('td', { text: s.user ?? '' }),
        el('td', { text: tlsLabel(s.tls) }),
        el('td', { text: String(s.lines) }),
        el('td', { className: 'findings', text: String(sessionFindings.get(s.sid)?.length || '') }),
        el('td', { text: s.state }),
      ),
    );
  $('session-rows').replaceChildren(...rows);
  $('no-sessions').hidden = rows.length > 0;
}

function renderFindings(findings) {
  const box = $('findings');
  if (!findings || !findings.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    el('strong', { text: 'Findings' }),
    el(
      'ul',
      {},
      ...findings.map((f) =>
        el('li', { className: f.severity, text: `${f.severity} ${f.id} (line ${f.line}): ${f.message}` }),
      ),
    ),
  );
}

export async function selectSession(sid) {
  selectedSid = sid;
  renderSessions();
  $('transcript-title').textContent = `Transcript of ${sid}`;
  const pre = $('transcript');
  pre.replaceChildren();
  renderFindings(sessionFindings.get(sid));
  try {
    const res = await api(`/sessions/${encodeURIComponent(sid)}/transcript?format=jsonl`);
    const events = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    if (selectedSid !== sid) return;
    pre.replaceChildren(...events.slice(-MAX_TRANSCRIPT_LINES).map(lineNode));
    shownSeq = events.length ? events[events.length - 1].seq : 0;
  } catch (err) {
    notice(`transcript of ${sid}: ${err.message}`, true);
  }
}

let shownSeq = 0;
export function appendToTranscript(e) {
  if (e.sid !== selectedSid || e.seq <= shownSeq) return;
  shownSeq = e.seq;
  const pre = $('transcript');
  const atBottom =
    pre.parentElement.scrollTop + pre.parentElement.clientHeight >= pre.parentElement.scrollHeight - 20;
  pre.append(lineNode(e));
  while (pre.childElementCount > MAX_TRANSCRIPT_LINES) pre.firstElementChild.remove();
  if (atBottom) pre.parentElement.scrollTop = pre.parentElement.scrollHeight;
}

const sessionFindings = new Map();

export async function loadSessions() {
  const body = await (await api('/sessions')).json();
  sessions.clear();
  sessionFindings.clear();
  for (const s of [...body.sessions].reverse()) {
    // The API's summary is the row (sessionFromOpen makes the same fields for a session seen live).
    sessions.set(s.sid, { ...s, lines: s.counts.clientLines + s.counts.serverLines });
    if (s.findings.length) sessionFindings.set(s.sid, [...s.findings]);
  }
  renderSessions();
  return body.seq ?? 0;
}
