import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { certPath, startTestSandbox, tempDir, testCertsDir } from '../helpers/sandbox.js';
import { run } from '../helpers/run.js';

const SOCKET = `mailsandbox-ui-${process.pid}`;
const STANDARD_PORTS = [25, 587, 465, 110, 995, 143, 993, 80];
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tmux(...args: string[]) {
  return run('tmux', ['-L', SOCKET, ...args], { timeoutMs: 10_000 });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** An offset where all eight standard ports (the mail ports and http) + offset are free right now. */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(STANDARD_PORTS.map((p) => portFree(p + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free port offset found');
}

async function screen(): Promise<string> {
  return (await tmux('capture-pane', '-p', '-t', 'ui')).stdout;
}

async function waitForScreen(
  test: (s: string) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen();
    if (test(last)) return last;
    await tick(100);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
}

async function keys(...names: string[]): Promise<void> {
  for (const k of names) {
    await tmux('send-keys', '-t', 'ui', k);
    await tick(150);
  }
}

/** Several keys in one send-keys call: they reach the program as one chunk (`k\r`), as when typed fast. */
async function keysAtOnce(...names: string[]): Promise<void> {
  await tmux('send-keys', '-t', 'ui', ...names);
  await tick(150);
}

describe('mailsandbox in a real terminal (tmux)', () => {
  const recordDir = tempDir('mailsandbox-ui-record-');
  const exitFile = join(tempDir('mailsandbox-ui-exit-'), 'code');
  let offset = 0;

  before(async () => {
    offset = await freeOffset();
    const main = resolve('dist/src/cli/main.js');
    const command = [
      // CI=true on purpose: Ink would draw only a final frame, and the CLI must undo that in a terminal.
      `env CI=true CONTINUOUS_INTEGRATION=true node ${main} --port-offset ${offset} --certs-dir ${testCertsDir()} --record ${recordDir}`,
      `echo $? > ${exitFile}`,
    ].join('; ');
    // Generate the test certificate first so the CLI reuses it (and curl can trust it).
    await (await startTestSandbox({ listeners: ['smtp'] })).close();
    const r = await tmux('new-session', '-d', '-s', 'ui', '-x', '160', '-y', '50', command);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await tmux('kill-server');
    // kill-server leaves its socket file behind.
    const uid = process.getuid?.() ?? 0;
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, SOCKET), { force: true });
  });

  it('shows a curl STARTTLS session with decoded AUTH and the 250 after DATA; navigates, saves, quits with 0', async () => {
    const smtpPort = 587 + offset;
    // Generous: the CLI starts cold on a machine shared with other test runs.
    await waitForScreen(
      (s) => s.includes(`submission:${smtpPort} STARTTLS`),
      'the listeners in the header',
      30_000,
    );

    const message = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: tmux test\r\n\r\nhello\r\n';
    const curl = await run(
      'curl',
      [
        '--silent',
        '--show-error',
        '--url',
        `smtp://127.0.0.1:${smtpPort}`,
        '--ssl-reqd',
        '--cacert',
        certPath(),
        '--login-options',
        'AUTH=PLAIN',
        '--user',
        'test:testpass',
        '--mail-from',
        'a@example.test',
        '--mail-rcpt',
        'b@example.test',
        '--upload-file',
        '-',
      ],
      { input: message, timeoutMs: 15_000 },
    );
    assert.equal(curl.code, 0, curl.stderr);

    let s = await waitForScreen((t) => /smtp#1 +submission .* closed/.test(t), 'the session row, closed');
    assert.match(s, /smtp#1 +submission +127\.0\.0\.1:\d+ +STARTTLS→TLSv1\.3 +test +closed/);
    assert.match(s, /msgs 1 +auth 1 ok\/0 failed/);

    await keysAtOnce('k', 'Enter');
    s = await waitForScreen((t) => t.includes('FOLLOW smtp#1'), 'the transcript');
    // curl sends AUTH PLAIN without an initial response: the payload comes after `334`.
    assert.match(
      s,
      /C: AUTH PLAIN\n.*S: 334\n.*C: AHRlc3QAdGVzdHBhc3M= +⇒ authzid="" user="test" password="testpass"/,
    );
    assert.match(
      s,
      /C: DATA\n.*S: 354 .*\n.*C: <message body: \d+ bytes>\n.*C: \.\n(.*\n)?.*S: 250 2\.6\.0 Ok: queued as/,
    );
    assert.match(s, /\*\* TLS upgraded \(STARTTLS\): TLSv1\.3/);

    await keys('Home');
    s = await waitForScreen((t) => t.includes('BROWSE smtp#1'), 'browse mode');
    assert.match(s, />> submission port \d+ \(starttls\)/);
    await keys('End', 's');
    s = await waitForScreen((t) => t.includes('saved smtp#1'), 'the saved status');
    const saved = /saved smtp#1: (\S+\.txt)/.exec(s)?.[1];
    assert.ok(saved && existsSync(saved), `saved file ${saved}`);
    assert.ok(saved.startsWith(recordDir));
    const text = readFileSync(saved, 'utf8');
    assert.match(text, /C: AHRlc3QAdGVzdHBhc3M= +\[decoded: .*user="test" password="testpass"\]/);
    assert.match(text, /S: 250 2\.6\.0 Ok: queued as/);
    assert.ok(existsSync(saved.replace(/\.txt$/, '.jsonl')));

    // The messages view: the list, one message's MIME tree, its raw form, its session and back.
    await keys('Escape', 'm');
    s = await waitForScreen((t) => t.includes('Messages: 1 stored'), 'the messages view');
    assert.match(
      s,
      /> \d\d:\d\d:\d\d a@example\.test +b@example\.test +tmux test +\d+ INBOX +submission smtp#1 +TLSv1\.3\+test/,
    );
    await keys('Enter');
    s = await waitForScreen((t) => t.includes('MIME tree'), 'the message with its MIME tree');
    assert.match(s, /delivered by smtp#1 on submission from 127\.0\.0\.1/);
    assert.match(s, /^ +1 +text\/plain +\d+ bytes$/m);
    assert.match(s, /Text \(part 1, text\/plain\)\n +hello/);
    await keys('r');
    s = await waitForScreen((t) => /Message \S+ \(raw\)/.test(t), 'the raw message');
    assert.match(s, /^From: a@example\.test\nTo: b@example\.test\nSubject: tmux test\n\nhello$/m);
    await keys('t');
    await waitForScreen((t) => /FOLLOW smtp#1 .*Esc: back to the message/.test(t), 'the delivering session');
    await keys('Escape');
    await waitForScreen((t) => /Message \S+ \(raw\)/.test(t), 'back at the message');
    await keys('Escape', 'Escape');
    await waitForScreen((t) => t.includes('Sessions: 1 shown'), 'back at the sessions');

    await keysAtOnce('Escape', 'a');
    await waitForScreen((t) => /smtp#1 +<< session closed/.test(t), 'the all-sessions view');
    await keys('q');
    const deadline = Date.now() + 10_000;
    while (!existsSync(exitFile) && Date.now() < deadline) await tick(100);
    assert.ok(existsSync(exitFile), 'mailsandbox exited after q');
    assert.equal(readFileSync(exitFile, 'utf8').trim(), '0');
  });
});
