import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Sandbox } from '../../src/index.js';
import { parseUpstream } from '../../src/proxy/upstream.js';
import { MAIN } from '../helpers/cli.js';
import { python } from '../helpers/run.js';
import { certPath, startTestSandbox, testCertsDir } from '../helpers/sandbox.js';

const IMAPLIB = String.raw`
import imaplib, ssl, sys
m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ssl.create_default_context(cafile=sys.argv[2]), timeout=10)
print(m.login('test', 'secret')[0], m.select('INBOX')[0], m.logout()[0])
`;

/** The port the proxy's `name` listener printed in its `listening` line (bounded by 10 s). */
function listeningPort(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no listening line for ${name}: ${seen}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      for (const line of seen.split('\n')) {
        const m = /"event":"listening".*"name":"([a-z0-9]+)","port":(\d+)/.exec(line);
        if (m && m[1] === name) {
          clearTimeout(timer);
          resolve(Number(m[2]));
        }
      }
    });
  });
}

describe('mailsandbox proxy --upstream on a port that is not a standard one', () => {
  let upstream: Sandbox;
  let proxy: ChildProcess;
  before(async () => {
    upstream = await startTestSandbox({ listeners: ['imaps'] });
  });
  after(async () => {
    proxy?.kill('SIGTERM');
    await upstream.close();
  });

  it('speaks as the local listener does: imaps to an ephemeral implicit-TLS port works end to end', async () => {
    assert.equal(parseUpstream('imaps=127.0.0.1:10993').upstream.tls, 'implicit');
    assert.equal(parseUpstream('imap=127.0.0.1:10143').upstream.tls, 'starttls');
    assert.equal(parseUpstream('imaps=imap.example.com:143').upstream.tls, 'starttls');
    assert.equal(parseUpstream('imap=imap.example.com:993').upstream.tls, 'implicit');
    proxy = spawn(
      process.execPath,
      [
        MAIN,
        'proxy',
        '--ephemeral-ports',
        '--no-tui',
        '--certs-dir',
        testCertsDir(),
        '--upstream',
        `imaps=127.0.0.1:${upstream.ports.imaps}`,
        '--upstream-ca',
        certPath(),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const port = await listeningPort(proxy, 'imaps');
    const r = await python(IMAPLIB, [String(port), certPath()], 20_000);
    assert.equal(r.stdout.trim(), 'OK OK BYE', r.stdout + r.stderr);
  });
});
