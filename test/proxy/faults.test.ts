import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { loadScenario, parseScenario } from '../../src/scenario/index.js';
import { signedIn } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python, run } from '../helpers/run.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/wait.js';
import { linesOf, startPair, type Pair } from './pair.js';

const SMTPLIB = String.raw`
import json, smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.ehlo()
out = [s.mail('a@example.test'), s.rcpt('ok@example.test'), s.rcpt('full@example.test'), s.rcpt('gone@example.test')]
s.quit()
print(json.dumps([[c, m.decode()] for c, m in out]))
`;

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function notes(pair: { proxy: { transcript: { history(): { type: string }[] } } }): string[] {
  return pair.proxy.transcript
    .history()
    .filter((e) => e.type === 'note')
    .map((e) => (e as unknown as { text: string }).text);
}

describe('proxy: scenario rules in front of a real server', () => {
  let pair: Pair;
  before(async () => {
    pair = await startPair({ proxy: { scenario: await loadScenario('mailbox-full') } });
  });
  after(() => pair.close());

  it("a rule's reply replaces the upstream's; the refused RCPT never reaches the upstream", async () => {
    const r = await python(SMTPLIB, [String(pair.proxy.ports.smtp)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      [250, '2.1.0 Accepted'],
      [250, '2.1.5 Accepted'],
      [452, '4.2.2 Mailbox full, try again later'],
      [552, '5.2.2 Mailbox full'],
    ]);
    const upstreamSaw = linesOf(pair.upstream, 'client-line', 'smtp');
    assert.ok(upstreamSaw.some((l) => /ok@example/.test(l)));
    assert.ok(!upstreamSaw.some((l) => /full@example|gone@example/.test(l)), upstreamSaw.join('\n'));
    const actions = pair.proxy.transcript.history().filter((e) => e.type === 'scenario-action');
    assert.equal(actions.length, 2);
  });

  it('an IMAP rule at point idle: * BYE during IDLE in front of the upstream', async () => {
    const scenario = await parseScenario(
      'description: bye in idle\nimap:\n  rules:\n    - name: bye-in-idle\n      when: { point: idle }\n      delay: { ms: 200 }\n      bye: { text: "Server shutting down" }\n',
      { label: 'inline', name: 'inline' },
    );
    pair.proxy.useScenario(scenario);
    const c = await signedIn(pair.proxy.ports.imap!, [], 'INBOX');
    c.send('c IDLE');
    assert.match(await c.readLine(), /^\+ /);
    assert.equal(await c.readLine(), '* BYE Server shutting down');
    await c.waitClosed();
  });
});

describe('proxy: a cut mid-FETCH and --upstream-insecure', () => {
  it('a cut rule lets the first bytes of the upstream FETCH reply out, then closes', async () => {
    const scenario = await parseScenario(
      'description: cut\nimap:\n  rules:\n    - name: cut-fetch\n      when: { command: FETCH }\n      cut: { afterBytes: 40 }\n',
      { label: 'inline', name: 'inline' },
    );
    const pair = await startPair({ proxy: { scenario } });
    try {
      const raw = Buffer.from(`Subject: cut me\r\n\r\n${'line of the body\r\n'.repeat(50)}`);
      await pair.upstream.store.append(pair.upstream.store.maildropFor(''), 'INBOX', raw);
      const c = await signedIn(pair.proxy.ports.imap!, [], 'INBOX');
      c.send('c FETCH 1 BODY[]');
      await c.waitClosed();
      const got = c.rest().toString('latin1');
      assert.equal(got.length, 40);
      assert.match(got, /^\* 1 FETCH \(BODY\[\] \{\d+\}\r\nSubject: cut/);
      assert.ok(notes(pair).some((t) => /scenario rule cut-fetch: the reply was cut after 40 bytes/.test(t)));
      assert.ok(linesOf(pair.upstream, 'client-line', 'imap').includes('c FETCH 1 BODY[]'));
    } finally {
      await pair.close();
    }
  });

  it('--upstream-insecure: the self-signed upstream is used, and every session says NOT verified', async () => {
    const pair = await startPair({ proxyOptions: { upstreamCa: undefined, upstreamInsecure: true } });
    try {
      const c = await RawClient.connect(pair.proxy.ports.imaps!, {
        tls: true,
        ca: readFileSync(certPath(), 'utf8'),
      });
      assert.match(await c.readLine(), /^\* OK /);
      c.send('a LOGOUT');
      await c.readUntil(/^a OK/);
      assert.ok(
        notes(pair).some((t) => /upstream TLS established: .*NOT verified \(--upstream-insecure\)/.test(t)),
      );
    } finally {
      await pair.close();
    }
  });
});

describe('proxy: a broken upstream gives the client a clean goodbye', () => {
  it('unreachable: 421 on SMTP, * BYE on IMAP, -ERR on POP3, and a transcript line saying why', async () => {
    const port = await deadPort();
    const proxy = await startTestSandbox({
      proxy: {
        upstreams: {
          smtp: { host: '127.0.0.1', port, tls: 'starttls' },
          imap: { host: '127.0.0.1', port, tls: 'starttls' },
          pop3s: { host: '127.0.0.1', port, tls: 'implicit' },
        },
      },
    });
    try {
      const expect: [number, boolean, RegExp][] = [
        [proxy.ports.smtp!, false, /^421 4\.4\.0 upstream 127\.0\.0\.1:\d+ .*unreachable: .*ECONNREFUSED/],
        [proxy.ports.imap!, false, /^\* BYE upstream .*unreachable/],
        [proxy.ports.pop3s!, true, /^-ERR \[SYS\/TEMP\] upstream .*unreachable/],
      ];
      for (const [p, tls, re] of expect) {
        const c = await RawClient.connect(p, tls ? { tls: true, ca: readFileSync(certPath(), 'utf8') } : {});
        assert.match(await c.readLine(), re);
        await c.waitClosed();
      }
      assert.equal(
        proxy.transcript
          .history()
          .filter((e) => e.type === 'note' && /unreachable.*ECONNREFUSED/.test(e.text)).length,
        3,
      );
    } finally {
      await proxy.close();
    }
  });

  it('an upstream that accepts and never speaks: 421 after the deadline, with the reason', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const proxy = await startTestSandbox({
      limits: { commandTimeoutMs: 300 },
      proxy: { upstreams: { smtp: { host: '127.0.0.1', port, tls: 'starttls' } } },
    });
    try {
      const c = await RawClient.connect(proxy.ports.smtp!);
      assert.equal(await c.readLine(2_000), '421 4.4.0 upstream sent no greeting within 300 ms');
      await c.waitClosed();
    } finally {
      await proxy.close();
      silent.close();
    }
  });

  it('an upstream certificate the system does not trust: BYE on implicit TLS, 421 after STARTTLS', async () => {
    const pair = await startPair({ proxyOptions: { upstreamCa: undefined } });
    try {
      const ca = readFileSync(certPath(), 'utf8');
      const imaps = await RawClient.connect(pair.proxy.ports.imaps!, { tls: true, ca });
      assert.match(await imaps.readLine(), /^\* BYE upstream .*unreachable: self-signed certificate/);
      await imaps.waitClosed();
      const smtp = await RawClient.connect(pair.proxy.ports.smtp!);
      assert.match(await smtp.readLine(), /^220 /);
      smtp.send('EHLO me');
      await smtp.readUntil(/^250 /);
      smtp.send('STARTTLS');
      assert.match(await smtp.readLine(), /^220 /);
      await smtp.startTls(ca);
      assert.match(
        await smtp.readLine(),
        /^421 4\.4\.0 TLS with the upstream failed: self-signed certificate/,
      );
      await smtp.waitClosed();
      assert.ok(notes(pair).some((t) => /TLS with the upstream failed/.test(t)));
    } finally {
      await pair.close();
    }
  });
});

describe('proxy: --redact and --keylog', () => {
  it('passwords become *** in the transcript and the files; the key log has both legs', async () => {
    const record = tempDir('mailsandbox-proxy-redact-');
    const keylog = join(record, 'keys.log');
    const pair = await startPair({ proxy: { record, keylogFile: keylog }, proxyOptions: { redact: true } });
    try {
      const r = await run('swaks', [
        '--server',
        '127.0.0.1',
        '--port',
        String(pair.proxy.ports.smtps),
        '--tls-on-connect',
        '--auth',
        'PLAIN',
        '--auth-user',
        'alice',
        '--auth-password',
        'hunter2',
        '--to',
        'b@example.test',
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const c = await RawClient.connect(pair.proxy.ports.imap!);
      await c.readLine();
      c.send('a LOGIN alice hunter2');
      await c.readUntil(/^a OK/);
      c.close();
      const files = await waitFor(() => {
        const all = readdirSync(record).filter((f) => /\.(txt|jsonl)$/.test(f));
        const texts = all.map((f) => readFileSync(join(record, f), 'utf8'));
        return (
          texts.filter((t) => t.includes('session closed') || t.includes('session-close')).length >= 4 &&
          texts
        );
      }, 'the recorded sessions');
      const joined = files.join('\n');
      assert.ok(!joined.includes('hunter2'), 'the password is not in the files');
      assert.ok(!joined.includes(Buffer.from('\0alice\0hunter2').toString('base64')));
      assert.match(joined, /C: AUTH PLAIN \*\*\* {4}\[decoded: authzid="" user="alice" password=\*\*\*\]/);
      assert.match(joined, /C: a LOGIN alice \*\*\*/);
      // The first line of each proxied recording says it is redacted.
      for (const file of files) {
        const first = file.split('\n')[0]!;
        if (first.startsWith('{'))
          assert.match(first, /"proxy":\{"upstream":"127\.0\.0\.1:\d+ .*","redacted":true\}/);
        else
          assert.match(
            first,
            /session \S+ on \S+ .*, proxied to 127\.0\.0\.1:\d+ .*, passwords and tokens redacted$/,
          );
      }
      assert.ok(!JSON.stringify(pair.proxy.transcript.history()).includes('hunter2'));
      const randoms = new Set(
        readFileSync(keylog, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET'))
          .map((l) => l.split(' ')[1]),
      );
      assert.equal(randoms.size, 2, 'one TLS session on each leg');
    } finally {
      await pair.close();
    }
  });
});
