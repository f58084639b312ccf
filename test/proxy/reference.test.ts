import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDovecot, type Dovecot } from '../../bench/dovecot.js';
import { freePort, stopChild, waitForPort } from '../../bench/support.js';
import type { Sandbox } from '../../src/index.js';
import { python, run } from '../helpers/run.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';

/**
 * The proxy in front of the reference servers the benchmarks use: postfix's smtp-sink (plain SMTP,
 * no TLS) and a private Dovecot POP3 (bench/dovecot.ts), both on loopback ports of their own.
 */
describe('proxy: in front of smtp-sink and Dovecot', () => {
  let dir: string;
  let sink: ChildProcess;
  let sinkPort: number;
  let dovecot: Dovecot;
  let proxy: Sandbox;
  before(async () => {
    dir = tempDir('mailsandbox-proxy-ref-');
    chmodSync(dir, 0o755);
    sinkPort = await freePort();
    sink = spawn(
      '/usr/sbin/smtp-sink',
      [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-c', `127.0.0.1:${sinkPort}`, '10'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(sinkPort, sink, 'smtp-sink');
    const messages = [
      'From: a@example.test\nSubject: one\n\nfirst\n',
      'From: b@example.test\nSubject: two\n\nsecond\n',
    ];
    dovecot = await startDovecot({ dir: join(dir, 'dovecot'), protocol: 'pop3', messages, user: 'test' });
    proxy = await startTestSandbox({
      proxy: {
        upstreams: {
          smtp: { host: '127.0.0.1', port: sinkPort, tls: 'starttls' },
          smtps: { host: '127.0.0.1', port: sinkPort, tls: 'starttls' },
          pop3: { host: '127.0.0.1', port: dovecot.port, tls: 'starttls' },
        },
      },
    });
  });
  after(async () => {
    await proxy.close();
    await stopChild(sink);
    await dovecot.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('swaks through the proxy to smtp-sink; on smtps the plain upstream leg is warned about', async () => {
    for (const [port, tls] of [
      [proxy.ports.smtp!, []],
      [proxy.ports.smtps!, ['--tls-on-connect', '--tls-ca-path', certPath(), '--tls-verify']],
    ] as const) {
      const r = await run('swaks', [
        '--server',
        '127.0.0.1',
        '--port',
        String(port),
        ...tls,
        '--to',
        'x@example.test',
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /<[-~] {2}250-smtp-sink/);
      assert.match(r.stdout, /[-~]> \.\r?\n<[-~] {2}250 2\.0\.0 Ok/);
    }
    const notes = proxy.transcript
      .history()
      .filter((e) => e.type === 'note')
      .map((e) => (e as { text: string }).text);
    assert.equal(notes.filter((t) => /the upstream leg is plain text/.test(t)).length, 1);
  });

  it('python poplib through the proxy to Dovecot POP3: STAT, LIST, RETR', async () => {
    const r = await python(
      String.raw`
import json, poplib, sys
c = poplib.POP3('127.0.0.1', int(sys.argv[1]))
c.user('test'); c.pass_('pw')
out = [c.stat(), [l.decode() for l in c.list()[1]], b'\n'.join(c.retr(2)[1]).decode()]
c.quit()
print(json.dumps(out))
`,
      [String(proxy.ports.pop3)],
    );
    assert.equal(r.code, 0, r.stderr);
    const [stat, list, body] = JSON.parse(r.stdout) as [number[], string[], string];
    assert.equal(stat[0], 2);
    assert.equal(list.length, 2);
    assert.match(body, /Subject: two\n\nsecond/);
    const server = proxy.transcript
      .history()
      .filter((e) => e.type === 'server-line' && e.sid.startsWith('pop3'));
    assert.ok(server.some((e) => /Dovecot/.test((e as { line: string }).line)));
  });
});
