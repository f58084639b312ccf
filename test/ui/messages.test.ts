import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMessage } from '../../src/store/types.js';
import { keysHint } from '../../src/ui/chrome.js';
import { INITIAL_STATE, type UiState, type View } from '../../src/ui/state.js';
import type { MailSource } from '../../src/ui/mail.js';
import { FakeSessions } from './fixtures.js';
import { KEY, renderApp, type RenderedApp } from './render-app.js';

const MULTIPART = [
  'From: Alice <alice@example.test>',
  'To: bob@example.test',
  'Subject: =?UTF-8?Q?Quarterly_r=C3=A9port?=',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Hello Bob, the r=C3=A9port is attached.',
  '--b1',
  'Content-Type: application/pdf; name="q3.pdf"',
  'Content-Disposition: attachment; filename="q3.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--b1--',
  '',
].join('\r\n');

function message(
  i: number,
  raw: string,
  sid = `smtp#${i}`,
  tls: string | null = 'TLSv1.3 TLS_AES_256_GCM_SHA384',
): StoredMessage {
  return {
    id: `MSG${String(i).padStart(6, '0')}`,
    uid: i,
    raw: Buffer.from(raw),
    internalDate: new Date(Date.UTC(2026, 0, 1, 9, 0, 0) + i * 1000),
    flags: new Set(),
    modseq: 1,
    envelope: {
      mailFrom: `sender${i}@example.test`,
      rcptTo: ['bob@example.test'],
      helo: 'client.example.test',
      authUser: tls ? 'test' : null,
      tls,
      remoteAddress: '127.0.0.1',
      listener: tls ? 'submission' : 'smtp',
      sid,
    },
  };
}

function mailOf(messages: StoredMessage[]): MailSource & { calls: number } {
  const source = {
    calls: 0,
    messages: () => {
      source.calls++;
      return [...messages];
    },
    onChange: () => () => {},
  };
  return source;
}

let app: RenderedApp | null = null;
afterEach(() => {
  app?.unmount();
  app = null;
});

describe('messages view', () => {
  it('m lists stored mail at 80×24: time, from, to, subject, size, session, TLS/auth; m again goes back', async () => {
    const f = new FakeSessions();
    app = renderApp({
      source: f.bus,
      mail: mailOf([message(1, 'Subject: plain one\r\n\r\nhi\r\n', 'smtp#1', null), message(2, MULTIPART)]),
    });
    await app.press('m');
    const frame = await app.waitFor((s) => s.includes('Messages: 2 stored'), 'the messages view');
    assert.match(frame, /time\s+from\s+to\s+subject\s+size\s+session\s+sec/);
    assert.match(
      frame,
      /> 09:00:02 sender2@exam… bob@example\.… Quarterly réport\s+\d+ smtp#2\s+TLS\+auth$/m,
    );
    assert.match(frame, /09:00:01 sender1@exam… bob@example\.… plain one\s+\d+ smtp#1\s+plain/);
    for (const line of frame.split('\n')) assert.ok(line.length <= 80, `wider than 80: ${line}`);
    assert.match(frame, /↑↓ move ⏎ open r raw t session transcript Esc back/);
    await app.press('m');
    await app.waitFor((s) => s.includes('Sessions:'), 'back to the sessions');
  });

  it('at 120 columns the listener and the TLS version with the user show', async () => {
    const f = new FakeSessions();
    app = renderApp({
      source: f.bus,
      mail: mailOf([message(2, MULTIPART)]),
      size: { columns: 120, rows: 24 },
    });
    await app.press('m');
    const frame = await app.waitFor((s) => s.includes('Messages: 1 stored'), 'the messages view');
    assert.match(frame, /listener\s+session\s+TLS\+auth/);
    assert.match(frame, /submission smtp#2\s+TLSv1\.3\+test/);
    for (const line of frame.split('\n')) assert.ok(line.length <= 120, `wider than 120: ${line}`);
  });

  it('Enter shows delivery, headers, the MIME tree and the decoded text; r the raw message; t its session and back', async () => {
    const f = new FakeSessions();
    f.open('smtp#2', 'smtp', 'submission');
    f.client('smtp#2', 'smtp', 'EHLO client.example.test');
    app = renderApp({
      source: f.bus,
      mail: mailOf([message(2, MULTIPART)]),
      size: { columns: 100, rows: 40 },
    });
    await app.press('m', KEY.enter);
    let frame = await app.waitFor((s) => s.includes('MIME tree'), 'the message');
    assert.match(frame, /delivered by smtp#2 on submission from 127\.0\.0\.1 \(HELO client\.example\.test\)/);
    assert.match(frame, /security: TLSv1\.3 TLS_AES_256_GCM_SHA384, AUTH as test/);
    assert.match(frame, /Subject: Quarterly réport/);
    assert.match(frame, /-\s+multipart\/mixed\s+\d+ bytes/);
    assert.match(frame, /1\s+text\/plain\s+quoted-printable\s+39 bytes/);
    assert.match(frame, /2\s+application\/pdf\s+base64\s+12 bytes\s+"q3\.pdf"/);
    assert.match(frame, /Text \(part 1, text\/plain; charset=utf-8\)/);
    assert.match(frame, /Hello Bob, the réport is attached\./);
    await app.press('r');
    frame = await app.waitFor((s) => s.includes('(raw)'), 'the raw message');
    assert.match(frame, /Subject: =\?UTF-8\?Q\?Quarterly_r=C3=A9port\?=/);
    assert.match(frame, /Hello Bob, the r=C3=A9port is attached\./);
    await app.press('t');
    frame = await app.waitFor((s) => s.includes('EHLO client.example.test'), 'the session transcript');
    assert.match(frame, /smtp#2 submission .*Esc: back to the message/);
    await app.press(KEY.escape);
    await app.waitFor((s) => s.includes('Message MSG000002 (raw)'), 'back at the message');
    await app.press(KEY.escape);
    await app.waitFor((s) => s.includes('Messages: 1 stored'), 'back at the list');
  });

  it('100,000 messages: the list draws one screen of rows and parses only their subjects', async () => {
    const many: StoredMessage[] = [];
    for (let i = 1; i <= 100_000; i++) many.push(message(i, `Subject: number ${i}\r\n\r\nx\r\n`));
    const mail = mailOf(many);
    const f = new FakeSessions();
    const started = Date.now();
    app = renderApp({ source: f.bus, mail });
    await app.press('m');
    let frame = await app.waitFor((s) => s.includes('Messages: 100000 stored'), 'the list');
    assert.match(frame, /> \S+ \S+\s+\S+\s+number 100000 /);
    await app.press(KEY.end);
    frame = await app.waitFor((s) => /> .*number 1\s/.test(s), 'the oldest message');
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    // Rebuilt from the store only when it changed (it never did here), not on every frame or key.
    assert.equal(mail.calls, 1);
    assert.ok(frame.split('\n').length <= 24);
  });

  it('mail arriving while the list is open shows within about a second, without a key', async () => {
    const stored = [message(1, 'Subject: first\r\n\r\nx\r\n')];
    const listeners = new Set<() => void>();
    const mail: MailSource = {
      messages: () => [...stored],
      onChange: (fn) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    const f = new FakeSessions();
    app = renderApp({ source: f.bus, mail });
    await app.press('m');
    await app.waitFor((s) => s.includes('Messages: 1 stored'), 'the first message');
    stored.push(message(2, 'Subject: second\r\n\r\nx\r\n'));
    for (const fn of listeners) fn();
    const frame = await app.waitFor((s) => s.includes('Messages: 2 stored'), 'the second message', 3_000);
    assert.match(frame, /second/);
  });

  it('the footer fits 80 and 120 columns in every view', () => {
    const views: View[] = [
      { kind: 'sessions' },
      { kind: 'transcript', sid: 'x' },
      { kind: 'all' },
      { kind: 'log' },
      { kind: 'messages' },
      { kind: 'message', id: 'x', raw: false, top: 0 },
    ];
    for (const view of views) {
      const state: UiState = { ...INITIAL_STATE, view };
      assert.ok(keysHint(state, 80).length <= 80, `${view.kind} at 80: ${keysHint(state, 80)}`);
      assert.ok(keysHint(state, 120).length <= 120, `${view.kind} at 120: ${keysHint(state, 120)}`);
    }
  });
});

describe('findings in the terminal UI', () => {
  it('a column in the list and a pane under the transcript; F jumps to the line', async () => {
    const f = new FakeSessions();
    f.open('smtp#1', 'smtp', 'smtp');
    f.client('smtp#1', 'smtp', 'AUTH PLAIN AHUAcA==');
    f.publish({
      type: 'finding',
      sid: 'smtp#1',
      proto: 'smtp',
      id: 'plaintext-auth',
      severity: 'error',
      message: 'AUTH PLAIN sent the password without TLS',
      line: 2,
      at: 2,
    });
    for (let i = 0; i < 40; i++) f.client('smtp#1', 'smtp', `NOOP ${i}`);
    app = renderApp({ source: f.bus });
    let frame = await app.waitFor((s) => s.includes('smtp#1'), 'the list');
    assert.match(frame, /find !/);
    assert.match(frame, /smtp#1 .* E1\s*$/m);
    await app.press(KEY.enter);
    frame = await app.waitFor((s) => s.includes('Findings: 1'), 'the findings pane');
    assert.match(frame, /line 2\s+error plaintext-auth AUTH PLAIN sent the password without TLS/);
    assert.equal(frame.includes('C: AUTH PLAIN'), false, 'the AUTH line is scrolled off while following');
    await app.press('F');
    frame = await app.waitFor((s) => s.includes('C: AUTH PLAIN'), 'the line the finding points at');
    assert.match(frame, /\?! error plaintext-auth \(line 2\)/);
  });
});
