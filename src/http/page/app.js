// The mailsandbox web page: plain JavaScript modules, no build step (src/http/page/).
import { $, API, api, el, notice, token } from './dom.js';
import { clearMessage, links, loadMessages, queueMessages } from './messages.js';
import {
  appendToTranscript,
  applyEvent,
  clearSelection,
  loadSessions,
  queueRender,
  selectSession,
} from './sessions.js';

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
    clearSelection();
    clearMessage();
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
  links.openSession = (sid) => {
    showView('sessions');
    selectSession(sid);
  };
  try {
    const [seq] = await Promise.all([loadSessions(), loadMessages(), loadScenario()]);
    connect(seq);
  } catch (err) {
    notice(`cannot reach the API: ${err.message}`, true);
  }
}

start();
