import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMail } from '../../src/store/mail-store.js';
import type { StoredMessage } from '../../src/store/types.js';
import { keysHint } from '../../src/ui/chrome.js';
import { INITIAL_STATE, type UiState, type View } from '../../src/ui/state.js';
import type { MailSource } from '../../src/ui/mail.js';
import { FakeSessions } from './fixtures.js';
import { KEY, renderApp, type RenderedApp } from './render-app.js';
import { mailSource } from '../../src/ui/render.js';
import { python } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

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
  const bytes = Buffer.from(raw);
  return {
    id: `MSG${String(i).padStart(6, '0')}`,
    uid: i,
    raw: bytes,
    size: bytes.length,
    head: bytes,
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

/** A message no SMTP session brought (IMAP APPEND, seeded): no envelope. */
function unsent(i: number, raw: string, flags: string[] = []): StoredMessage {
  return { ...message(i, raw), envelope: null, flags: new Set(flags) };
}

/** In the shared maildrop; SMTP mail in INBOX, the rest where `folders` says (INBOX by default). */
function stored(messages: StoredMessage[], folders: Record<string, string> = {}): StoredMail[] {
  return messages.map((m) => ({ message: m, maildrop: 'shared', folder: folders[m.id] ?? 'INBOX' }));
}

function mailOf(
  messages: StoredMessage[],
  folders: Record<string, string> = {},
): MailSource & { calls: number } {
  const source = {
    calls: 0,
    messages: () => {
      source.calls++;
      return stored(messages, folders);
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

  it('IMAP APPENDed and seeded mail are listed too, with what is known of each; t opens the APPEND session', async () => {
    const f = new FakeSessions();
    f.open('imap#3', 'imap', 'imap');
    f.client('imap#3', 'imap', 'a STARTTLS');
    f.publish({
      type: 'tls-upgraded',
      sid: 'imap#3',
      proto: 'imap',
      how: 'starttls',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
    });
    f.publish({ type: 'auth', sid: 'imap#3', proto: 'imap', mechanism: 'LOGIN', username: 'test', ok: true });
    f.client('imap#3', 'imap', 'c APPEND Sent (\\Seen) {77}');
    f.publish({
      type: 'message-stored',
      sid: 'imap#3',
      proto: 'imap',
      id: 'MSG000003',
      size: 77,
      from: '',
      recipients: [],
      folder: 'Sent',
    });
    const appended = unsent(
      3,
      'From: Carol <carol@example.test>\r\nTo: dave@example.test\r\nSubject: draft reply\r\n\r\nx\r\n',
      ['\\Seen'],
    );
    const seeded = unsent(
      4,
      'From: eve@example.test\r\nTo: frank@example.test\r\nSubject: seeded one\r\n\r\nx\r\n',
    );
    const mail = mailOf([message(2, MULTIPART), appended, seeded], { MSG000003: 'Sent' });
    app = renderApp({ source: f.bus, mail });
    await app.press('m');
    let frame = await app.waitFor((s) => s.includes('Messages: 3 stored'), 'the messages view');
    // Mail SMTP did not bring shows its From and To header fields; seeded mail has no session.
    assert.match(frame, /> 09:00:04 eve@example\.… frank@exampl… seeded one\s+\d+ none\s+-$/m);
    assert.match(frame, /09:00:03 Carol <carol… dave@example… draft reply\s+\d+ imap#3\s+TLS\+auth$/m);
    assert.match(frame, /09:00:02 sender2@exam… bob@example\.… Quarterly réport\s+\d+ smtp#2\s+TLS\+auth$/m);
    await app.press(KEY.enter);
    frame = await app.waitFor((s) => s.includes('Message MSG000004'), 'the seeded message');
    assert.match(frame, /message MSG000004, \d+ bytes, in INBOX of shared/);
    assert.match(
      frame,
      /no delivering session: seeded \(scenario mail, a Maildir\) or an IMAP COPY\nflags: none/,
    );
    assert.match(frame, /Subject: seeded one/);
    await app.press('t');
    frame = await app.waitFor((s) => s.includes('has no delivering session'), 'the refusal to jump');
    await app.press(KEY.escape, KEY.down, KEY.enter);
    frame = await app.waitFor((s) => s.includes('Message MSG000003'), 'the APPENDed message');
    assert.match(frame, /message MSG000003, \d+ bytes, in Sent of shared/);
    assert.match(frame, /APPENDed by imap#3 on imap · t: its transcript/);
    assert.match(frame, /security: TLSv1\.3, logged in as test\nflags: \\Seen/);
    assert.match(frame, /From: Carol <carol@example\.test>/);
    await app.press('t');
    frame = await app.waitFor((s) => s.includes('C: c APPEND Sent'), 'the APPEND session');
    assert.match(frame, /FOLLOW imap#3 imap 127\.0\.0\.1:\d+ STARTTLS→TLSv1\.3 test open/);
    await app.press(KEY.escape);
    await app.waitFor((s) => s.includes('Message MSG000003'), 'back at the message');
  });

  it('at 120 columns APPENDed mail shows its folder, listener and TLS with the user', async () => {
    const f = new FakeSessions();
    f.open('imap#3', 'imap', 'imaps', 'implicit');
    f.publish({ type: 'auth', sid: 'imap#3', proto: 'imap', mechanism: 'PLAIN', username: 'test', ok: true });
    f.publish({
      type: 'message-stored',
      sid: 'imap#3',
      proto: 'imap',
      id: 'MSG000003',
      size: 40,
      from: '',
      recipients: [],
      folder: 'Drafts',
    });
    const mail = mailOf([unsent(3, 'To: dave@example.test\r\nSubject: draft\r\n\r\nx\r\n')], {
      MSG000003: 'Drafts',
    });
    app = renderApp({ source: f.bus, mail, size: { columns: 120, rows: 24 } });
    await app.press('m');
    const frame = await app.waitFor((s) => s.includes('Messages: 1 stored'), 'the messages view');
    assert.match(frame, /folder\s+listener\s+session\s+TLS\+auth/);
    assert.match(frame, /draft\s+\d+ Drafts\s+imaps\s+imap#3\s+TLS\+test/);
    for (const line of frame.split('\n')) assert.ok(line.length <= 120, `wider than 120: ${line}`);
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
    const held = [message(1, 'Subject: first\r\n\r\nx\r\n')];
    const listeners = new Set<() => void>();
    const mail: MailSource = {
      messages: () => stored(held),
      onChange: (fn) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    const f = new FakeSessions();
    app = renderApp({ source: f.bus, mail });
    await app.press('m');
    await app.waitFor((s) => s.includes('Messages: 1 stored'), 'the first message');
    held.push(message(2, 'Subject: second\r\n\r\nx\r\n'));
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

describe('messages view on a real sandbox', () => {
  it('python smtplib sends one message and imaplib APPENDs one to Sent: both listed, each with its session', async () => {
    const sandbox = await startTestSandbox({ listeners: ['smtp', 'imap'] });
    try {
      const r = await python(
        `import imaplib, smtplib, sys, time
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.example.test')
s.sendmail('a@example.test', ['b@example.test'], 'Subject: by smtp\\r\\n\\r\\nx\\r\\n')
s.quit()
i = imaplib.IMAP4('127.0.0.1', int(sys.argv[2]))
i.login('test', 'testpass')
i.append('Sent', '(\\\\Seen)', None, b'From: c@example.test\\r\\nTo: d@example.test\\r\\nSubject: by append\\r\\n\\r\\nx\\r\\n')
i.logout()`,
        [String(sandbox.ports.smtp), String(sandbox.ports.imap)],
      );
      assert.equal(r.code, 0, r.stderr);
      app = renderApp({
        source: sandbox.transcript,
        listeners: sandbox.listeners,
        mail: mailSource(sandbox),
        size: { columns: 120, rows: 24 },
      });
      await app.press('m');
      let frame = await app.waitFor((s) => s.includes('Messages: 2 stored'), 'both messages');
      assert.match(
        frame,
        /> .* c@example\.test\s+d@example\.test\s+by append\s+\d+ Sent\s+imap\s+imap#\d+\s+plain\+test/,
      );
      assert.match(
        frame,
        /a@example\.test\s+b@example\.test\s+by smtp\s+\d+ INBOX\s+smtp\s+smtp#\d+\s+plain/,
      );
      await app.press(KEY.enter);
      frame = await app.waitFor((s) => s.includes('APPENDed by imap#'), 'the APPENDed message');
      assert.match(frame, /in Sent of shared/);
      assert.match(frame, /flags: \\Seen/);
    } finally {
      app?.unmount();
      app = null;
      await sandbox.close();
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
