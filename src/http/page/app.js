// The mailsandbox web page: plain JavaScript, no build step. Everything a mail client sent (lines,
// subjects, addresses, user names) is put on the page with textContent, never parsed as HTML.
'use strict';

const API = '/api/v1';
const MAX_TRANSCRIPT_LINES = 5000;

// With --http-token, open the page as http://HOST:PORT/#token=TOKEN; the token stays in this tab.
const hashToken = new URLSearchParams(location.hash.slice(1)).get('token');
if (hashToken) {
  sessionStorage.setItem('mailsandbox-token', hashToken);
  history.replaceState(null, '', location.pathname);
}
const token = sessionStorage.getItem('mailsandbox-token');

const $ = (id) => document.getElementById(id);

/** An element with text content and attributes; children are nodes or strings (as text). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(API + path, { ...options, headers });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).message || message;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return res;
}

function notice(text, isError = false) {
  const p = $('notice');
  p.textContent = text;
  p.className = isError ? 'error' : '';
  p.hidden = !text;
}

// ---------------------------------------------------------------------------------------------
// Transcript lines, as the text transcript shows them (C: / S: / --).

function describe(e) {
  switch (e.type) {
    case 'session-open':
      return `-- ${e.proto} session ${e.sid} on ${e.listener} (port ${e.localPort}, ${e.tls}) from ${e.remoteAddress}:${e.remotePort}`;
    case 'client-line':
      return `C: ${e.line}`;
    case 'server-line':
      return `S: ${e.line}`;
    case 'tls-upgraded':
      return `-- TLS ${e.how === 'implicit' ? 'established' : 'upgraded (STARTTLS)'}: ${e.protocol} ${e.cipher}`;
    case 'auth':
      return `-- AUTH ${e.mechanism} user ${JSON.stringify(e.username)}: ${e.ok ? 'accepted' : 'rejected'}`;
    case 'message-stored':
      return `-- message ${e.id} stored (${e.size} bytes) from <${e.from}> to ${e.recipients.map((r) => `<${r}>`).join(', ')}`;
    case 'scenario-action':
      return `-- scenario rule ${e.rule}: ${e.action}`;
    case 'note':
      return `-- ${e.level}: ${e.text}`;
    case 'session-close':
      return `-- session closed: ${e.reason} (${(e.durationMs / 1000).toFixed(3)} s)`;
    case 'finding':
      return `-- finding ${e.severity} ${e.id} (line ${e.line}): ${e.message}`;
    default:
      return `-- ${e.type}`;
  }
}

function failed(e) {
  if (e.type === 'auth') return !e.ok;
  if (e.type === 'note') return e.level !== 'info';
  if (e.type === 'finding') return e.severity !== 'info';
  if (e.type !== 'server-line') return false;
  if (e.proto === 'smtp') return /^[45]\d\d/.test(e.line);
  if (e.proto === 'pop3') return e.line.startsWith('-ERR');
  return /^\S+ (NO|BAD)\b/i.test(e.line) && !e.line.startsWith('* ');
}

function lineNode(e) {
  const kind =
    e.type === 'client-line'
      ? 'client'
      : e.type === 'server-line'
        ? 'server'
        : e.type === 'note'
          ? 'note'
          : 'meta';
  const time = new Date(e.time).toISOString().slice(11, 23);
  const line = el('div', { className: failed(e) ? 'fail' : kind, text: `${time} ${describe(e)}` });
  if (e.decoded) line.append(el('span', { className: 'decoded', text: `    [decoded: ${e.decoded}]` }));
  return line;
}

// ---------------------------------------------------------------------------------------------
// Sessions: the list, kept live from the event stream, and the selected session's transcript.

const sessions = new Map();
let selectedSid = null;
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

function applyEvent(e) {
  if (e.type === 'session-open') {
    sessions.set(e.sid, sessionFromOpen(e));
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

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderSessions();
  });
}

function renderSessions() {
  const rows = [...sessions.values()].reverse().map((s) =>
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

async function selectSession(sid) {
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
function appendToTranscript(e) {
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

async function loadSessions() {
  const body = await (await api('/sessions')).json();
  sessions.clear();
  sessionFindings.clear();
  for (const s of [...body.sessions].reverse()) {
    sessions.set(s.sid, {
      sid: s.sid,
      proto: s.proto,
      listener: s.listener,
      client: s.client,
      user: s.user,
      tls: s.tls,
      state: s.state,
      lines: s.counts.clientLines + s.counts.serverLines,
    });
    if (s.findings.length) sessionFindings.set(s.sid, [...s.findings]);
  }
  renderSessions();
  return body.seq ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Messages: list, headers, MIME tree and raw view.

let selectedMessage = null;
let messagesQueued = null;

async function loadMessages() {
  const body = await (await api('/messages?limit=500')).json();
  $('message-count').textContent = body.total ? `(${body.total})` : '';
  const rows = body.messages.map((m) =>
    el(
      'tr',
      {
        className: m.id === selectedMessage ? 'selected' : '',
        'data-id': m.id,
        onclick: () => selectMessage(m.id),
      },
      el('td', { text: new Date(m.date).toLocaleTimeString() }),
      el('td', { text: m.from || m.mailFrom || '' }),
      el('td', { text: m.to || m.rcptTo.join(', ') }),
      el('td', { className: 'subject', text: m.subject }),
      el('td', { text: String(m.size) }),
    ),
  );
  $('message-rows').replaceChildren(...rows);
  $('no-messages').hidden = rows.length > 0;
}

function queueMessages() {
  clearTimeout(messagesQueued);
  messagesQueued = setTimeout(
    () => loadMessages().catch((err) => notice(`messages: ${err.message}`, true)),
    200,
  );
}

function mimeTree(node) {
  const label = [
    node.part ? `${node.part}` : 'message',
    node.type,
    node.charset ? `charset=${node.charset}` : '',
    node.encoding || '',
    node.filename ? `"${node.filename}"` : '',
    `${node.size} bytes`,
  ]
    .filter(Boolean)
    .join('  ');
  const item = el('li', {});
  if (node.part && !node.children?.length) {
    item.append(
      el('a', { href: '#', text: label, onclick: (ev) => (ev.preventDefault(), showPart(node.part)) }),
    );
  } else item.append(label);
  if (node.children?.length) item.append(el('ul', {}, ...node.children.map(mimeTree)));
  return item;
}

async function showPart(n) {
  const res = await api(`/messages/${encodeURIComponent(selectedMessage)}/parts/${n}`);
  const type = res.headers.get('content-type') || '';
  const out = $('part-view');
  out.replaceChildren(el('h3', { text: `Part ${n} (${type}), decoded` }));
  if (/^text\/|^message\//.test(type)) out.append(el('pre', { className: 'raw', text: await res.text() }));
  else
    out.append(
      el('p', { className: 'empty', text: `${(await res.arrayBuffer()).byteLength} bytes of binary data` }),
    );
}

async function selectMessage(id) {
  selectedMessage = id;
  for (const tr of $('message-rows').children) tr.classList.toggle('selected', tr.dataset.id === id);
  const detail = $('message-detail');
  try {
    const m = await (await api(`/messages/${encodeURIComponent(id)}`)).json();
    const raw = await (await api(`/messages/${encodeURIComponent(id)}/raw`)).text();
    const sessionLink = m.sid
      ? el('a', {
          href: '#',
          text: m.sid,
          onclick: (ev) => {
            ev.preventDefault();
            showView('sessions');
            selectSession(m.sid);
          },
        })
      : 'unknown session';
    detail.replaceChildren(
      el('h2', { text: m.subject || '(no subject)' }),
      el(
        'p',
        { className: 'envelope' },
        `Envelope: MAIL FROM <${m.mailFrom ?? ''}> RCPT TO ${m.rcptTo.map((r) => `<${r}>`).join(', ')} — delivered by `,
        sessionLink,
        ` — ${m.size} bytes`,
      ),
      el('h3', { text: 'Headers' }),
      el(
        'table',
        { className: 'headers' },
        el(
          'tbody',
          {},
          ...m.headers.map((h) => el('tr', {}, el('td', { text: h.name }), el('td', { text: h.value }))),
        ),
      ),
      el('h3', { text: 'MIME structure' }),
      el('div', { className: 'mime' }, el('ul', {}, mimeTree(m.mime))),
      el('div', { id: 'part-view' }),
      el(
        'h3',
        {},
        'Raw ',
        el('a', {
          href: `${API}/messages/${encodeURIComponent(id)}/raw`,
          text: 'download',
          download: `${id}.eml`,
        }),
      ),
      el('pre', { className: 'raw', text: raw }),
    );
  } catch (err) {
    detail.replaceChildren(el('p', { className: 'empty', text: `message ${id}: ${err.message}` }));
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario picker and reset.

async function loadScenario() {
  const body = await (await api('/scenario')).json();
  const picker = $('scenario-picker');
  const names = body.shipped.map((s) => s.name);
  const current = body.current?.name;
  const options = [el('option', { value: '', text: '(none)' })];
  if (current && !names.includes(current)) options.push(el('option', { value: '', text: current }));
  for (const s of body.shipped)
    options.push(el('option', { value: s.name, text: s.name, title: s.description }));
  picker.replaceChildren(...options);
  picker.value = current && names.includes(current) ? current : '';
  picker.title = body.current ? body.current.description : 'no scenario: everything is accepted';
}

async function applyScenario() {
  const name = $('scenario-picker').value;
  if (!name) return notice('pick a shipped scenario to use');
  try {
    await api('/scenario', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    notice(`scenario ${name} in use for new sessions`);
    await loadScenario();
  } catch (err) {
    notice(`scenario: ${err.message}`, true);
  }
}

async function reset() {
  try {
    const { deleted } = await (await api('/reset', { method: 'POST' })).json();
    notice(`reset: ${deleted} messages deleted, sessions and counters cleared`);
    selectedSid = null;
    selectedMessage = null;
    $('transcript').replaceChildren();
    $('message-detail').replaceChildren(el('p', { className: 'empty', text: 'Pick a message.' }));
    await Promise.all([loadSessions(), loadMessages()]);
  } catch (err) {
    notice(`reset: ${err.message}`, true);
  }
}

// ---------------------------------------------------------------------------------------------
// The live stream.

function connect(since) {
  const params = new URLSearchParams({ since: String(since) });
  if (token) params.set('token', token);
  const source = new EventSource(`${API}/events?${params}`);
  const live = $('live');
  source.onopen = () => {
    live.textContent = 'live';
    live.className = 'live';
  };
  source.onerror = () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  };
  source.onmessage = (msg) => {
    const e = JSON.parse(msg.data);
    applyEvent(e);
    appendToTranscript(e);
    if (e.type === 'message-stored') queueMessages();
    queueRender();
  };
  source.addEventListener('dropped', (msg) => {
    source.close();
    live.textContent = 'dropped';
    live.className = 'live off';
    notice(`live view stopped: ${JSON.parse(msg.data).reason} — reload the page`, true);
  });
}

function showView(name) {
  for (const view of ['sessions', 'messages']) {
    $(`${view}-view`).hidden = view !== name;
    $(`tab-${view}`).classList.toggle('active', view === name);
  }
}

async function start() {
  $('tab-sessions').addEventListener('click', () => showView('sessions'));
  $('tab-messages').addEventListener('click', () => showView('messages'));
  $('scenario-apply').addEventListener('click', applyScenario);
  $('reset').addEventListener('click', reset);
  try {
    const [seq] = await Promise.all([loadSessions(), loadMessages(), loadScenario()]);
    connect(seq);
  } catch (err) {
    notice(`cannot reach the API: ${err.message}`, true);
  }
}

start();
