import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { tempDir } from '../helpers/sandbox.js';
import { FakeSessions } from './fixtures.js';
import { KEY, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | null = null;
afterEach(() => {
  app?.unmount();
  app = null;
});

/** Two SMTP sessions (one refused at RCPT with a scenario rule), one IMAP and one POP3 session. */
function mixedTraffic(): FakeSessions {
  const f = new FakeSessions();
  f.smtpArticle('smtp#1');
  f.smtpArticle('smtp#2', '550 5.1.1 <user@mail.server.net>: no such user');
  f.publish({
    type: 'scenario-action',
    sid: 'smtp#2',
    proto: 'smtp',
    rule: 'second-rcpt',
    action: 'reply 550',
  });
  f.open('imap#1', 'imap', 'imap');
  f.server('imap#1', 'imap', '* OK IMAP Server ready');
  f.client('imap#1', 'imap', '001 LOGIN user@mail.server.net testpass');
  f.publish({
    type: 'auth',
    sid: 'imap#1',
    proto: 'imap',
    mechanism: 'LOGIN',
    username: 'user@mail.server.net',
    ok: true,
  });
  f.server('imap#1', 'imap', '001 OK completed');
  f.open('pop3#1', 'pop3', 'pop3', 'starttls');
  f.server('pop3#1', 'pop3', '+OK POP3 ready');
  f.client('pop3#1', 'pop3', 'USER test');
  f.server('pop3#1', 'pop3', '+OK please send the PASS');
  f.client('pop3#1', 'pop3', 'PASS wrong');
  f.publish({ type: 'auth', sid: 'pop3#1', proto: 'pop3', mechanism: 'USER', username: 'test', ok: false });
  f.server('pop3#1', 'pop3', '-ERR authentication failed');
  f.publish({ type: 'session-close', sid: 'pop3#1', proto: 'pop3', reason: 'client quit', durationMs: 1200 });
  return f;
}

function rowOf(frame: string, sid: string): string {
  const row = frame.split('\n').find((l) => l.includes(sid + ' '));
  assert.ok(row, `no row for ${sid} in:\n${frame}`);
  return row;
}

describe('sessions list', () => {
  it('shows one row per session with listener, TLS, user, state, last reply and scenario mark', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    const frame = await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    assert.match(
      rowOf(frame, 'smtp#2'),
      /submission\s+127\.0\.0\.1:\d+\s+STARTTLS 1\.3\s+test\s+open\s+550\s+-\s+!!✗$/,
    );
    assert.match(rowOf(frame, 'smtp#1'), /submission .* test\s+open\s+250\s+-\s*$/);
    assert.match(rowOf(frame, 'imap#1'), /imap .*user@.*\s+open\s+OK/);
    assert.match(rowOf(frame, 'pop3#1'), /pop3 .*plain\s+-\s+closed\s+-ERR\s+-\s+✗/);
    // Header: counters, listeners with TLS mode, the failed bind in its own row with the reason.
    assert.match(frame, /sessions 3 open\/4 +msgs 0 +auth 3 ok\/1 failed/);
    assert.match(frame, /submission:3587 STARTTLS/);
    assert.match(frame, /✗ pop3 127\.0\.0\.1:3110 — .*EADDRINUSE/);
    assert.match(frame, /cert AB:CD:EF:01…/);
  });

  it('lists newest first, toggles to oldest first with o, and moves the selection with j/k and arrows', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    let frame = await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    const order = (s: string) =>
      ['smtp#1', 'smtp#2', 'imap#1', 'pop3#1'].sort((a, b) => s.indexOf(a) - s.indexOf(b));
    assert.deepEqual(order(frame), ['pop3#1', 'imap#1', 'smtp#2', 'smtp#1']);
    assert.match(rowOf(frame, 'pop3#1'), /^> /);
    await app.press('j', KEY.down);
    frame = await app.waitFor((s) => /^> smtp#2/m.test(s), 'selection on smtp#2');
    await app.press('k');
    await app.waitFor((s) => /^> imap#1/m.test(s), 'selection back on imap#1');
    await app.press('o');
    frame = await app.waitFor((s) => s.includes('oldest first'), 'oldest first');
    assert.deepEqual(order(frame), ['smtp#1', 'smtp#2', 'imap#1', 'pop3#1']);
    assert.match(frame, /^> imap#1/m, 'the selection follows the session, not the row number');
  });

  it('reads several keys that arrive in one chunk, in order (tmux send-keys k k, j Enter)', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('jj');
    await app.waitFor((s) => /^> smtp#2/m.test(s), 'two rows down after "jj"');
    await app.press('k\r');
    await app.waitFor((s) => s.includes('FOLLOW imap#1'), 'imap#1 opened by "k\\r"');
    await app.press('\x1ba');
    await app.waitFor((s) => s.includes('all sessions, interleaved'), 'back and all sessions by "ESC a"');
  });

  it('marks a failed TLS handshake in the TLS column, and a failure reply with ✗ beside !!', async () => {
    const f = new FakeSessions();
    f.open('imap#1', 'imap', 'imaps', 'implicit');
    f.publish({
      type: 'note',
      sid: 'imap#1',
      proto: 'imap',
      level: 'warn',
      text: 'TLS handshake failed: wrong version number',
    });
    f.publish({
      type: 'session-close',
      sid: 'imap#1',
      proto: 'imap',
      reason: 'TLS handshake failed',
      durationMs: 3,
    });
    f.open('pop3#1', 'pop3', 'pop3', 'starttls');
    f.client('pop3#1', 'pop3', 'STLS');
    f.server('pop3#1', 'pop3', '+OK Begin TLS negotiation');
    f.publish({
      type: 'note',
      sid: 'pop3#1',
      proto: 'pop3',
      level: 'warn',
      text: 'TLS handshake failed: timed out',
    });
    f.open('imap#2', 'imap', 'imaps', 'implicit');
    f.smtpArticle('smtp#1', '451 4.7.1 Greylisted, please try again later');
    f.publish({
      type: 'scenario-action',
      sid: 'smtp#1',
      proto: 'smtp',
      rule: 'greylist',
      action: 'reply 451',
    });
    app = renderApp({ source: f.bus, size: { columns: 120, rows: 24 } });
    const frame = await app.waitFor((s) => s.includes('smtp#1'), 'the sessions');
    assert.match(rowOf(frame, 'imap#1'), /imaps +127\.0\.0\.1:\d+ +✗TLS +- +closed .* ✗$/);
    assert.match(rowOf(frame, 'pop3#1'), /pop3 +127\.0\.0\.1:\d+ +STLS→✗ +- +open .* ✗$/);
    assert.match(
      rowOf(frame, 'imap#2'),
      /imaps +127\.0\.0\.1:\d+ +TLS +- +open/,
      'no handshake yet: no mark',
    );
    assert.match(rowOf(frame, 'smtp#1'), /451 +- +!!✗$/);
  });

  it('shows the seed in the header only for a scenario with random rules', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus, scenario: { name: 'greylisting', seed: 980533803, random: false } });
    let frame = await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    assert.match(frame, /scenario greylisting\n/);
    assert.doesNotMatch(frame, /seed/);
    app.unmount();
    app = renderApp({
      source: f.bus,
      scenario: { name: 'flaky-10-percent', seed: 42, random: true },
      size: { columns: 120, rows: 24 },
    });
    frame = await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    assert.match(frame, /scenario flaky-10-percent \(seed 42\)\n/);
  });

  it('c clears closed sessions; new sessions appear live', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('c');
    let frame = await app.waitFor((s) => s.includes('cleared 1 closed session'), 'the clear status');
    assert.doesNotMatch(frame, /pop3#1 /);
    assert.match(frame, /smtp#1 /);
    f.smtpArticle('smtp#3');
    frame = await app.waitFor((s) => s.includes('smtp#3 '), 'a new live session');
    assert.match(frame, /Sessions: 4 shown/);
  });
});

describe('transcript view', () => {
  it('opens with Enter: C:/S: lines with time, decoded AUTH beside the line, TLS marked; follows new lines', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('o', KEY.enter);
    let frame = await app.waitFor((s) => s.includes('FOLLOW smtp#1'), 'the smtp#1 transcript');
    assert.match(frame, /^\d\d:\d\d:\d\d C: EHLO localhost\.localdomain$/m);
    assert.match(frame, /^\d\d:\d\d:\d\d S: 250 2\.1\.0 Ok$/m);
    assert.match(frame, /\*\* TLS upgraded \(STARTTLS\): TLSv1\.3 TLS_AES_256_GCM_SHA384/);
    assert.match(frame, /C: AUTH PLAIN dGVzdAB0ZXN0AHRlc3RwYXNz {2}⇒ authzid="test" user="test" pa/);
    assert.match(frame, /-- AUTH PLAIN user "test" accepted/);
    assert.match(frame, /STARTTLS→TLSv1\.3 test open/);

    f.client('smtp#1', 'smtp', 'DATA');
    f.server('smtp#1', 'smtp', '354 End data with <CR><LF>.<CR><LF>');
    f.client('smtp#1', 'smtp', '<message body: 243 bytes>');
    f.server('smtp#1', 'smtp', '250 2.0.0 Ok: queued as 1CF5FC0AAE');
    frame = await app.waitFor((s) => s.includes('queued as 1CF5FC0AAE'), 'the live 250 after DATA');
    assert.match(frame, /C: <message body: 243 bytes>/);
    await app.press(KEY.escape);
    await app.waitFor((s) => s.includes('Sessions: 4 shown'), 'back to the list');
  });

  it('browse mode: Home shows the first line, PgDn pages, End resumes following; long lines wrap', async () => {
    const f = new FakeSessions();
    f.open('imap#7', 'imap', 'imaps', 'implicit');
    for (let i = 1; i <= 60; i++) f.client('imap#7', 'imap', `A${String(i).padStart(3, '0')} NOOP`);
    f.server('imap#7', 'imap', `* OK ${'x'.repeat(150)} END-OF-LONG-LINE`);
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('imap#7'), 'the session');
    await app.press(KEY.enter);
    let frame = await app.waitFor((s) => s.includes('END-OF-LONG-LINE'), 'the newest line in follow mode');
    assert.doesNotMatch(frame, /A001 NOOP/);
    // The 150-character reply is wrapped onto continuation rows, not cut.
    const wrapped = frame.split('\n').filter((l) => /x{20}/.test(l));
    assert.ok(wrapped.length >= 2, frame);
    await app.press(KEY.home);
    frame = await app.waitFor((s) => s.includes('BROWSE'), 'browse mode');
    assert.match(frame, />> imaps port/);
    assert.match(frame, /A001 NOOP/);
    await app.press(KEY.pageDown);
    frame = await app.waitFor((s) => !s.includes('A001 NOOP'), 'the next page');
    assert.match(frame, /A0(1|2)\d NOOP/);
    await app.press(KEY.end);
    frame = await app.waitFor((s) => s.includes('FOLLOW') && s.includes('END-OF-LONG-LINE'), 'follow again');
  });

  it('shows client control characters as visible symbols, never as raw escapes', async () => {
    const f = new FakeSessions();
    f.open('smtp#9', 'smtp', 'smtp');
    f.client('smtp#9', 'smtp', 'HELO \x1b[2Jevil\x07');
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('smtp#9'), 'the session');
    await app.press(KEY.enter);
    const frame = await app.waitFor((s) => s.includes('HELO'), 'the line');
    assert.match(frame, /C: HELO ␛\[2Jevil␇/);
  });
});

describe('all-sessions view', () => {
  it('interleaves every session with a session tag, live', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('a');
    let frame = await app.waitFor((s) => s.includes('all sessions, interleaved'), 'the all view');
    assert.match(frame, /imap#1 +C: 001 LOGIN user@mail\.server\.net testpass/);
    assert.match(frame, /pop3#1 +S: -ERR authentication failed/);
    assert.match(frame, /pop3#1 +<< session closed: client quit/);
    f.client('smtp#1', 'smtp', 'QUIT');
    frame = await app.waitFor((s) => /smtp#1 +C: QUIT/.test(s), 'a live line in the stream');
  });
});

describe('filters and search', () => {
  it('p filters by protocol, l by listener, e shows only sessions and lines with errors', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('p');
    let frame = await app.waitFor((s) => s.includes('proto smtp'), 'the smtp filter');
    assert.match(frame, /smtp#1 /);
    assert.doesNotMatch(frame, /imap#1 |pop3#1 /);
    await app.press('p');
    frame = await app.waitFor((s) => s.includes('proto imap'), 'the imap filter');
    assert.match(frame, /imap#1 /);
    assert.doesNotMatch(frame, /smtp#1 |pop3#1 /);
    await app.press('p', 'p'); // pop3, then all again
    await app.waitFor((s) => !s.includes('· proto') && s.includes('Sessions: 4 shown'), 'no protocol filter');
    await app.press('l', 'l'); // smtp, then submission
    frame = await app.waitFor((s) => s.includes('listener submission'), 'the listener filter');
    assert.match(frame, /Sessions: 2 shown/);
    await app.press('l', 'l', 'l', 'l'); // smtps, imap, pop3, all
    await app.waitFor(
      (s) => !s.includes('· listener') && s.includes('Sessions: 4 shown'),
      'no listener filter',
    );

    await app.press('e');
    frame = await app.waitFor((s) => s.includes('errors only'), 'errors only');
    assert.match(frame, /Sessions: 2 shown/);
    assert.match(frame, /smtp#2 /);
    assert.match(frame, /pop3#1 /);
    await app.press('a');
    frame = await app.waitFor((s) => s.includes('all sessions'), 'the all view with errors only');
    // Each failure with the command that caused it, nothing else.
    assert.match(frame, /smtp#2 +C: RCPT TO:<user@mail\.server\.net>\n.*smtp#2 +S: 550 5\.1\.1/);
    assert.match(frame, /pop3#1 +-- AUTH USER user "test" rejected/);
    assert.doesNotMatch(frame, /EHLO|235 2\.7\.0/);
  });

  it('/ searches the transcript, n and N jump between matches; in the list it filters rows', async () => {
    const f = new FakeSessions();
    f.open('smtp#4', 'smtp', 'smtp');
    for (let i = 1; i <= 40; i++) {
      f.client('smtp#4', 'smtp', `RCPT TO:<user${i}@example.test>`);
      f.server('smtp#4', 'smtp', i % 10 === 0 ? `452 4.5.3 too many recipients (${i})` : '250 2.1.5 Ok');
    }
    f.smtpArticle('smtp#5');
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('smtp#5'), 'the sessions');
    await app.press('/', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 'X', KEY.backspace);
    await app.waitFor((s) => s.includes('/example'), 'the search prompt');
    await app.press(KEY.enter);
    let frame = await app.waitFor((s) => s.includes('search "example"'), 'the list filtered');
    assert.match(frame, /Sessions: 0 shown/, 'no session row field contains "example"');
    await app.press(KEY.escape);
    await app.waitFor((s) => s.includes('Sessions: 2 shown'), 'search cleared');

    await app.press(KEY.down, KEY.enter, '/', '4', '5', '2', KEY.enter);
    frame = await app.waitFor((s) => s.includes('BROWSE'), 'the first match');
    assert.match(frame, /S: 452 4\.5\.3 too many recipients \(10\)/);
    await app.press('n');
    frame = await app.waitFor((s) => s.includes('recipients (20)'), 'the second match');
    assert.doesNotMatch(frame, /recipients \(10\)/);
    await app.press('n', 'n', 'n');
    frame = await app.waitFor((s) => s.includes('recipients (10)'), 'wrapped around to the first match');
    await app.press('N');
    await app.waitFor((s) => s.includes('recipients (40)'), 'back to the last match');
    await app.press('/', 'n', 'o', 'p', 'e', KEY.enter);
    await app.waitFor((s) => s.includes('no match for "nope"'), 'the no-match status');
  });
});

describe('a search stays in the view it was made in', () => {
  it('a transcript search does not filter the list after Esc; a filter that hides every row says so', async () => {
    const f = new FakeSessions();
    f.smtpArticle('smtp#5');
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('smtp#5'), 'the sessions');
    await app.press(KEY.enter, '/', 'z', 'z', 'q', KEY.enter);
    await app.waitFor((s) => s.includes('no match for "zzq"'), 'the transcript search');
    await app.press(KEY.escape);
    let frame = await app.waitFor((s) => s.includes('Sessions: 1 shown'), 'the list unfiltered');
    assert.doesNotMatch(frame, /search "zzq"|No sessions yet/);
    // A new session is listed too (nothing hidden).
    f.smtpArticle('smtp#6');
    await app.waitFor((s) => s.includes('smtp#6') && s.includes('Sessions: 2 shown'), 'the new session');
    // Back in the transcript, its old search is gone.
    await app.press(KEY.enter);
    frame = await app.waitFor((s) => s.includes('FOLLOW'), 'the transcript again');
    assert.doesNotMatch(frame, /search "zzq"/);
    await app.press(KEY.escape, '/', 'n', 'o', 'p', 'e', KEY.enter);
    frame = await app.waitFor((s) => s.includes('Sessions: 0 shown'), 'the list filtered to nothing');
    assert.match(frame, /No session matches search "nope"/);
    assert.doesNotMatch(frame, /No sessions yet/);
  });
});

describe('help, save and sizes', () => {
  it('? shows every key; any key closes it', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus, size: { columns: 100, rows: 30 } });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('?');
    const frame = await app.waitFor((s) => s.includes('Keys (any key closes this help)'), 'the help');
    for (const key of ['Enter', 'PgUp PgDn', '/', 'n N', 's', 'c', 'e', 'p', 'l', 'o', 'a', 'q  Ctrl-C'])
      assert.match(frame, new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s{2,}\\S`, 'm'), key);
    await app.press('x');
    await app.waitFor((s) => !s.includes('Keys (any key') && s.includes('Sessions: 4 shown'), 'help closed');
  });

  it('on 80×24 the help keeps quit and help on top and says what did not fit', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press('?');
    const frame = await app.waitFor((s) => s.includes('Keys (any key closes this help)'), 'the help');
    assert.match(frame, /^q {2}Ctrl-C +quit$/m);
    assert.match(frame, /^… \d+ more keys on a taller terminal/m);
    assert.ok(frame.split('\n').length <= 23);
  });

  it('s saves the open session as text and JSONL and shows the path', async () => {
    const f = mixedTraffic();
    const dir = tempDir('mailsandbox-ui-save-');
    app = renderApp({ source: f.bus, saveDir: dir, size: { columns: 200, rows: 30 } });
    await app.waitFor((s) => s.includes('smtp#2'), 'the sessions');
    await app.press('j', 'j', KEY.enter);
    await app.waitFor((s) => s.includes('FOLLOW smtp#2'), 'the transcript');
    await app.press('s');
    const frame = await app.waitFor((s) => s.includes('saved smtp#2'), 'the saved status');
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2);
    assert.match(files[0]!, /_smtp-2-saved\.jsonl$/);
    assert.match(files[1]!, /_smtp-2-saved\.txt$/);
    assert.ok(frame.includes(join(dir, files[1]!)), frame);
    const text = readFileSync(join(dir, files[1]!), 'utf8');
    assert.match(text, /C: RCPT TO:<user@mail\.server\.net>\n.*S: 550 5\.1\.1/);
    const events = readFileSync(join(dir, files[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(events[0].type, 'session-open');
    assert.ok(events.every((e: { sid: string }) => e.sid === 'smtp#2'));
  });

  it('fits 80×24 and uses the space of a 160×50 terminal', async () => {
    const f = mixedTraffic();
    for (let i = 0; i < 30; i++) f.client('smtp#1', 'smtp', `NOOP ${i}`);
    app = renderApp({ source: f.bus, size: { columns: 80, rows: 24 } });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    await app.press(KEY.down, KEY.down, KEY.down, KEY.enter);
    let frame = await app.waitFor((s) => s.includes('NOOP 29'), 'the narrow transcript');
    let rows = frame.split('\n');
    assert.ok(rows.length <= 23, `${rows.length} rows`);
    assert.ok(
      rows.every((r) => [...r].length <= 80),
      frame,
    );
    assert.match(frame, /^\d\d:\d\d:\d\d C: NOOP 29$/m, 'seconds only at 80 columns');
    const narrowLines = rows.filter((r) => /C: NOOP/.test(r)).length;
    app.unmount();

    app = renderApp({ source: f.bus, size: { columns: 160, rows: 50 } });
    await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    frame = app.frame();
    assert.match(rowOf(frame, 'smtp#1'), /STARTTLS→TLSv1\.3/, 'the full TLS label on a wide screen');
    assert.match(
      frame,
      /smtp:3025 STARTTLS {2}submission:3587 STARTTLS {2}smtps:3465 TLS {2}imap:3143 STARTTLS/,
    );
    await app.press(KEY.down, KEY.down, KEY.down, KEY.enter);
    frame = await app.waitFor((s) => s.includes('NOOP 29'), 'the wide transcript');
    rows = frame.split('\n');
    assert.ok(rows.length <= 49 && rows.length > 40, `${rows.length} rows`);
    assert.match(frame, /^\d\d:\d\d:\d\d\.\d{3} C: NOOP 29$/m, 'milliseconds on a wide screen');
    assert.ok(rows.filter((r) => /C: NOOP/.test(r)).length > narrowLines);
  });

  it('redraws at the new size when the terminal is resized', async () => {
    const f = mixedTraffic();
    app = renderApp({ source: f.bus, size: undefined });
    const first = await app.waitFor((s) => s.includes('pop3#1'), 'the sessions');
    // ink-testing-library's terminal is 100 columns without a height: the App assumes 24 rows.
    assert.ok(first.split('\n').length <= 23);
    assert.match(first, /^\s+session\s+listener\s+client\s+TLS\s+user /m);
    app.resize(150, 40);
    const wide = await app.waitFor((s) => /STARTTLS→TLSv1\.3/.test(s), 'the wide layout');
    assert.ok(
      wide.split('\n').some((r) => [...r].length > 100),
      'rows use the new width',
    );
    app.resize(80, 24);
    const narrow = await app.waitFor((s) => !/STARTTLS→TLSv1\.3/.test(s), 'the narrow layout');
    assert.ok(
      narrow.split('\n').every((r) => [...r].length <= 80),
      narrow,
    );
  });
});
