// The messages list and one message: headers, MIME tree, decoded parts and the raw bytes.
import { $, API, api, el, notice } from './dom.js';

let selectedMessage = null;

/** What the link to the delivering session does (app.js shows the sessions view and selects it). */
export const links = { openSession: (_sid) => {} };

export function clearMessage() {
  selectedMessage = null;
  $('message-detail').replaceChildren(el('p', { className: 'empty', text: 'Pick a message.' }));
}
let messagesQueued = null;

export async function loadMessages() {
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

export function queueMessages() {
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

export async function selectMessage(id) {
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
            links.openSession(m.sid);
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
