import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Sandbox } from '../../src/index.js';
import type { SessionReport } from '../../src/report/runner.js';
import { loadScenario, parseScenario } from '../../src/scenario/index.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { closedSessions } from '../helpers/findings.js';
import { scriptedSession } from '../helpers/raw-client.js';
import { python, run } from '../helpers/run.js';
import { CURL_ENVELOPE, swaksTo } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';

const MESSAGE = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n';

function serious(s: SessionReport[]): string[] {
  return s.flatMap((x) =>
    x.findings.filter((f) => f.severity !== 'info').map((f) => `${x.sid} ${f.id}: ${f.message}`),
  );
}

describe('findings of real clients', () => {
  let sb: Sandbox;
  let record: string;
  before(async () => {
    record = tempDir('mailsandbox-report-');
    sb = await startTestSandbox({ record });
  });
  after(() => sb.close());

  it('curl AUTH PLAIN without TLS: plaintext-auth, pointing at the AUTH line', async () => {
    const n = sb.report().sessions.length;
    const r = await run(
      'curl',
      [
        '-sS',
        `smtp://127.0.0.1:${sb.ports.smtp}`,
        '--user',
        'test:testpass',
        '--login-options',
        'AUTH=PLAIN',
        ...CURL_ENVELOPE,
      ],
      { input: MESSAGE },
    );
    assert.equal(r.code, 0, r.stderr);
    const [s] = await closedSessions(sb, n, 1);
    const f = s!.findings.find((x) => x.id === 'plaintext-auth');
    assert.ok(f, JSON.stringify(s));
    assert.equal(f.severity, 'error');
    const line = sb.transcript.history(s!.sid)[f.line - 1]!;
    assert.equal(
      line.type === 'client-line' && line.line.startsWith('AUTH PLAIN'),
      true,
      JSON.stringify(line),
    );
    // The same finding is a line of the --record file, at the place the sandbox says.
    const file = (await readdir(record)).find((x) => x.endsWith(`${s!.sid.replace('#', '-')}.txt`))!;
    let text = '';
    for (let i = 0; i < 100 && !text.includes('finding error plaintext-auth'); i++) {
      text = await readFile(join(record, file), 'utf8');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(text, /-- finding error plaintext-auth \(line \d+\)/);
    assert.match(text.split('\n')[f.line - 1]!, / C: AUTH PLAIN$/);
  });

  it('a raw socket sending a bare LF in DATA: bare-lf', async () => {
    const n = sb.report().sessions.length;
    // One command per final reply line (RFC 5321 §4.2: "NNN " ends a reply).
    const reply = /^\d{3} .*\r\n/m;
    await scriptedSession(
      sb.ports.smtp!,
      [
        'EHLO raw\r\n',
        'MAIL FROM:<a@example.test>\r\n',
        'RCPT TO:<b@example.test>\r\n',
        'DATA\r\n',
        'Subject: x\r\n\r\nbare\nlf\r\n.\r\n',
        'QUIT\r\n',
      ].map((line) => [reply, line]),
    );
    const [s] = await closedSessions(sb, n, 1);
    assert.deepEqual(
      s!.findings.map((f) => f.id).filter((id) => id === 'bare-lf'),
      ['bare-lf'],
    );
    assert.equal(
      s!.findings.some((f) => f.id === 'no-quit'),
      false,
    );
  });

  it('a client that leaves without a word: listed while it waits, then no-quit pointing at the close', async () => {
    const n = sb.report().sessions.length;
    const socket = connect(sb.ports.pop3!, '127.0.0.1');
    await once(socket, 'data');
    // Its rules have not started (the client said nothing), but the report already says who it is.
    const waiting = await waitFor(() => sb.report().sessions[n] ?? null, 'the waiting session');
    assert.equal(waiting.listener, 'pop3');
    assert.equal(waiting.client, `127.0.0.1:${socket.localPort}`);
    socket.end();
    const [s] = await closedSessions(sb, n, 1);
    const f = s!.findings.find((x) => x.id === 'no-quit');
    assert.ok(f, JSON.stringify(s));
    assert.equal(sb.transcript.history(s!.sid)[f.line - 1]!.type, 'session-close');
  });

  it('a raw IMAP APPEND of a message with bare LFs: bare-lf, pointing at the stored line', async () => {
    const n = sb.report().sessions.length;
    const literal = 'Subject: appended\n\nbare\nlf\n';
    await scriptedSession(sb.ports.imap!, [
      [/^\* OK/m, 'a LOGIN test testpass\r\n'],
      [/^a OK/m, `b APPEND INBOX {${literal.length}}\r\n`],
      [/^\+/m, literal + '\r\n'],
      [/^b OK/m, 'c LOGOUT\r\n'],
    ]);
    const [s] = await closedSessions(sb, n, 1);
    const f = s!.findings.find((x) => x.id === 'bare-lf');
    assert.ok(f, JSON.stringify(s));
    const event = sb.transcript.history(s!.sid)[f.line - 1]!;
    assert.equal(event.type, 'message-stored');
    assert.match(sb.transcript.text(s!.sid), /-- message \S+ stored \(\d+ bytes\) in INBOX/);
  });

  it('python smtplib with STARTTLS (CA verified), login and QUIT: no warn or error', async () => {
    const n = sb.report().sessions.length;
    const r = await python(
      `import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.example.test')
s.starttls(context=ctx)
s.login('test', 'testpass')
s.sendmail('a@example.test', ['b@example.test'], sys.argv[3])
s.quit()`,
      [String(sb.ports.submission), certPath(), MESSAGE],
    );
    assert.equal(r.code, 0, r.stderr);
    const sessions = await closedSessions(sb, n, 1);
    assert.deepEqual(serious(sessions), []);
    assert.equal(sessions[0]!.tls.startsWith('STARTTLS→TLSv1.'), true);
  });

  it('python imaplib IMAP4_SSL (CA verified), login, select, logout: no warn or error', async () => {
    const n = sb.report().sessions.length;
    const r = await python(
      `import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
m.login('test', 'testpass')
m.select('INBOX')
m.logout()`,
      [String(sb.ports.imaps), certPath()],
    );
    assert.equal(r.code, 0, r.stderr);
    const sessions = await closedSessions(sb, n, 1);
    assert.deepEqual(serious(sessions), []);
    assert.equal(sessions[0]!.user, 'test');
  });

  it('python poplib marking a message with DELE and leaving without QUIT: dele-without-quit', async () => {
    const n = sb.report().sessions.length;
    const before = sb.messages().length;
    assert.ok(before > 0, 'the earlier tests stored mail');
    const r = await python(
      `import poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ctx)
p.user('test')
p.pass_('testpass')
p.dele(1)
p.sock.close()`,
      [String(sb.ports.pop3s), certPath()],
    );
    assert.equal(r.code, 0, r.stderr);
    const [s] = await closedSessions(sb, n, 1);
    assert.deepEqual(
      s!.findings.map((f) => [f.id, f.severity]),
      [
        ['dele-without-quit', 'warn'],
        ['no-quit', 'info'],
      ],
    );
    assert.equal(sb.messages().length, before, 'nothing was deleted');
  });

  it('mailsandbox report --json over the --record folder', async () => {
    const r = await run(process.execPath, ['dist/src/cli/main.js', 'report', record, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { sessions: (SessionReport & Record<string, unknown>)[] };
    assert.equal(json.sessions.length, sb.report().sessions.length);
    for (const s of json.sessions)
      assert.deepEqual(Object.keys(s), ['sid', 'proto', 'listener', 'client', 'user', 'tls', 'findings']);
    const curl = json.sessions.find((s) => s.findings.some((f) => f.id === 'plaintext-auth'))!;
    assert.deepEqual(Object.keys(curl.findings[0]!), ['id', 'severity', 'message', 'line']);
    // Offline and live agree, line numbers included.
    const live = sb.report().sessions.find((s) => s.sid === curl.sid)!;
    assert.deepEqual(
      curl.findings,
      live.findings.map(({ id, severity, message, line }) => ({ id, severity, message, line })),
    );
    const text = await run(process.execPath, ['dist/src/cli/main.js', 'report', record]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /error\s+plaintext-auth\s+AUTH PLAIN sent the password without TLS/);
    const missing = await run(process.execPath, ['dist/src/cli/main.js', 'report', join(record, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*ENOENT/);
  });
});

describe('findings under scenarios', () => {
  it('curl -k against other-ca-cert: tls-not-verified', async () => {
    const sb = await startTestSandbox({ scenario: await loadScenario('other-ca-cert'), certsDir: tempDir() });
    try {
      const r = await run(
        'curl',
        ['-sS', '-k', '--ssl-reqd', `smtp://127.0.0.1:${sb.ports.smtp}`, ...CURL_ENVELOPE],
        { input: MESSAGE },
      );
      assert.equal(r.code, 0, r.stderr);
      const [s] = await closedSessions(sb, 0, 1);
      const f = s!.findings.find((x) => x.id === 'tls-not-verified');
      assert.ok(f, JSON.stringify(s));
      assert.match(f.message, /CA it was never told to trust/);
      // Without -k curl refuses the certificate: no finding, the client did right.
      const refused = await run(
        'curl',
        ['-sS', '--ssl-reqd', '--cacert', certPath(), `smtp://127.0.0.1:${sb.ports.smtp}`, ...CURL_ENVELOPE],
        { input: MESSAGE },
      );
      assert.notEqual(refused.code, 0);
      const [t] = await closedSessions(sb, 1, 1);
      assert.equal(
        t!.findings.some((x) => x.id === 'tls-not-verified'),
        false,
      );
    } finally {
      await sb.close();
    }
  });

  for (const [scenario, words] of [
    ['expired-cert', /an expired certificate/],
    ['wrong-hostname-cert', /a certificate for another host name/],
  ] as const) {
    it(`curl -k against ${scenario}: tls-not-verified`, async () => {
      const sb = await startTestSandbox({ scenario: await loadScenario(scenario), certsDir: tempDir() });
      try {
        const r = await run('curl', ['-sS', '-k', `smtps://127.0.0.1:${sb.ports.smtps}`, ...CURL_ENVELOPE], {
          input: MESSAGE,
        });
        assert.equal(r.code, 0, r.stderr);
        const [s] = await closedSessions(sb, 0, 1);
        assert.match(
          s!.findings.find((x) => x.id === 'tls-not-verified')?.message ?? JSON.stringify(s),
          words,
        );
      } finally {
        await sb.close();
      }
    });
  }

  it('openssl s_client -tls1_1 on the implicit-TLS port: weak-tls', async () => {
    const sb = await startTestSandbox({ listeners: ['smtps'] });
    try {
      const r = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${sb.ports.smtps}`,
          '-tls1_1',
          '-cipher',
          'DEFAULT@SECLEVEL=0',
          '-CAfile',
          certPath(),
          '-quiet',
          '-crlf',
        ],
        { input: 'QUIT\n', timeoutMs: 10_000 },
      );
      const [s] = await closedSessions(sb, 0, 1);
      assert.equal(s!.tls, 'TLSv1.1', r.stdout + r.stderr);
      const f = s!.findings.find((x) => x.id === 'weak-tls');
      assert.ok(f, JSON.stringify(s));
      assert.equal(sb.transcript.history(s!.sid)[f.line - 1]!.type, 'tls-upgraded');
    } finally {
      await sb.close();
    }
  });

  it('POP3 commands sent in one go where CAPA did not list PIPELINING: pipelining-without-extension', async () => {
    /** CAPA, then USER, PASS, STAT and QUIT written at once, without waiting for the replies. */
    const burst = (port: number) =>
      scriptedSession(port, [
        [/^\+OK/, 'CAPA\r\n'],
        [/\r\n\.\r\n$/, 'USER a\r\nPASS b\r\nSTAT\r\nQUIT\r\n'],
      ]);
    const scenario = await parseScenario(
      'description: POP3 without PIPELINING\npop3:\n  capabilities: { remove: [PIPELINING] }\n',
      {
        label: 'test',
        name: 'no-pipelining',
      },
    );
    const without = await startTestSandbox({ listeners: ['pop3'], scenario });
    const withIt = await startTestSandbox({ listeners: ['pop3'] });
    try {
      await burst(without.ports.pop3!);
      const [s] = await closedSessions(without, 0, 1);
      const f = s!.findings.find((x) => x.id === 'pipelining-without-extension');
      assert.ok(f, JSON.stringify(s));
      const line = without.transcript.history(s!.sid)[f.line - 1]!;
      assert.equal(line.type === 'client-line' && line.line, 'PASS b');
      await burst(withIt.ports.pop3!);
      const [t] = await closedSessions(withIt, 0, 1);
      assert.equal(
        t!.findings.some((x) => x.id === 'pipelining-without-extension'),
        false,
        JSON.stringify(t),
      );
    } finally {
      await without.close();
      await withIt.close();
    }
  });

  it('imap-uidvalidity-change: UID STORE with a UID from before the new UIDVALIDITY: stale-uids-after-uidvalidity-change', async () => {
    const sb = await startTestSandbox({
      listeners: ['imap'],
      scenario: await loadScenario('imap-uidvalidity-change'),
    });
    try {
      const literal = 'Subject: x\r\n\r\nx\r\n';
      await scriptedSession(sb.ports.imap!, [
        [/^\* OK/m, 'a LOGIN test testpass\r\n'],
        [/^a OK/m, `b APPEND INBOX {${literal.length}}\r\n`],
        [/^\+/m, literal + '\r\n'],
        [/^b OK/m, 'c SELECT INBOX\r\n'],
        [/^c OK/m, 'd UID FETCH 1:* (FLAGS)\r\n'],
        [/^d OK/m, 'e SELECT INBOX\r\n'],
        [/^e OK/m, 'f UID STORE 1 +FLAGS (\\Seen)\r\n'],
        [/^f (OK|NO|BAD)/m, 'g LOGOUT\r\n'],
      ]);
      const [s] = await closedSessions(sb, 0, 1);
      const f = s!.findings.find((x) => x.id === 'stale-uids-after-uidvalidity-change');
      assert.ok(f, JSON.stringify(s) + sb.transcript.text(s!.sid));
      const line = sb.transcript.history(s!.sid)[f.line - 1]!;
      assert.equal(line.type === 'client-line' && line.line, 'f UID STORE 1 +FLAGS (\\Seen)');
      assert.match(f.message, /UIDVALIDITY changed from \d+ to \d+/);
    } finally {
      await sb.close();
    }
  });

  it('auth-only-after-tls: IMAP LOGIN in plain text despite LOGINDISABLED: login-despite-logindisabled', async () => {
    const sb = await startTestSandbox({
      listeners: ['imap'],
      scenario: await loadScenario('auth-only-after-tls'),
    });
    try {
      await scriptedSession(sb.ports.imap!, [
        [/^\* OK .*LOGINDISABLED/m, 'a LOGIN test testpass\r\n'],
        [/^a (NO|BAD)/m, 'b LOGOUT\r\n'],
      ]);
      const [s] = await closedSessions(sb, 0, 1);
      assert.deepEqual(
        s!.findings.map((f) => [f.id, f.line]),
        [
          ['plaintext-auth', 3],
          ['starttls-not-used', 3],
          ['login-despite-logindisabled', 3],
        ],
      );
    } finally {
      await sb.close();
    }
  });

  it('swaks retrying at once after greylisting: retry-too-fast', async () => {
    const sb = await startTestSandbox({ scenario: await loadScenario('greylisting') });
    try {
      const args = [...swaksTo(sb.ports.smtp), '--data', MESSAGE.replace(/\r\n/g, '\n')];
      const first = await run('swaks', args);
      assert.notEqual(first.code, 0, 'greylisted at first');
      assert.match(first.stdout, /451 4\.7\.1/);
      const second = await run('swaks', args);
      assert.equal(second.code, 0, second.stdout);
      const [a, b] = await closedSessions(sb, 0, 2);
      assert.equal(
        a!.findings.some((f) => f.id === 'retry-too-fast'),
        false,
      );
      const f = b!.findings.find((x) => x.id === 'retry-too-fast');
      assert.ok(f, JSON.stringify(b));
      assert.match(
        f.message,
        new RegExp(
          `RCPT TO <b@example.test> again \\d+\\.\\d s after 451 \\(${a!.sid.replace('#', '#')} line \\d+\\)`,
        ),
      );
    } finally {
      await sb.close();
    }
  });
});
