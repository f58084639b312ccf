import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** curl's POP3 client: STLS with --ssl-reqd, pop3s with --cacert, SASL picked with --login-options. */
describe('POP3 with curl', () => {
  let sb: Sandbox;
  const raw = sampleMessage('fetched by curl');

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'pop3', 'pop3s'] });
    const reply = await sendMail({ port: sb.ports.smtp!, tls: 'starttls', raw });
    assert.match(reply, /^250 /);
  });
  after(() => sb.close());

  async function curl(url: string, ...extra: string[]): Promise<Buffer> {
    const args = ['-sS', '--max-time', '10', '--cacert', certPath(), '-u', 'test:testpass', ...extra, url];
    const result = await run('curl', args, { timeoutMs: 15_000 });
    assert.equal(result.code, 0, `curl ${args.join(' ')} failed: ${result.stderr}`);
    return Buffer.from(result.stdout, 'utf8');
  }
  const pop3 = (path: string) => `pop3://127.0.0.1:${sb.ports.pop3}/${path}`;
  const pop3s = (path: string) => `pop3s://127.0.0.1:${sb.ports.pop3s}/${path}`;
  const lastAuth = () =>
    sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .at(-1);

  it('lists the maildrop over STLS (--ssl-reqd) with exact sizes', async () => {
    const listing = (await curl(pop3(''), '--ssl-reqd')).toString();
    assert.equal(listing, `1 ${raw.length}\r\n`);
    const sid = lastAuth()!.sid;
    assert.ok(
      sb.transcript.history(sid).some((e) => e.type === 'tls-upgraded' && e.how === 'starttls'),
      'the session went through STLS before logging in',
    );
  });

  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
    it(`retrieves the SMTP-delivered message byte for byte over pop3s with AUTH=${mechanism}`, async () => {
      const body = await curl(pop3s('1'), '--login-options', `AUTH=${mechanism}`);
      assert.equal(body.toString('utf8'), raw.toString('utf8'));
      const auth = lastAuth();
      assert.ok(auth && auth.type === 'auth');
      assert.equal(auth.mechanism, mechanism);
      assert.equal(auth.username, 'test');
      assert.equal(auth.ok, true);
    });
  }

  it('AUTH PLAIN with an initial response (--sasl-ir) is decoded in the transcript', async () => {
    await curl(pop3(''), '--ssl-reqd', '--login-options', 'AUTH=PLAIN', '--sasl-ir');
    const sid = lastAuth()!.sid;
    const line = sb.transcript
      .history(sid)
      .find((e) => e.type === 'client-line' && e.line.startsWith('AUTH PLAIN '));
    assert.ok(line && line.type === 'client-line');
    assert.equal(line.decoded, 'authzid="" user="test" password="testpass"');
  });

  it('--request "DELE 1" removes the message at QUIT', async () => {
    const second = sampleMessage('second one');
    await sendMail({ port: sb.ports.smtp!, tls: 'starttls', raw: second });
    assert.equal((await curl(pop3s(''))).toString().split('\r\n').filter(Boolean).length, 2);
    await curl(pop3(''), '--ssl-reqd', '--request', 'DELE 1', '-I');
    const listing = (await curl(pop3s(''))).toString();
    assert.equal(listing, `1 ${second.length}\r\n`);
    const inbox = await sb.store.folder(sb.store.maildropFor('test'), 'INBOX');
    assert.deepEqual(
      inbox!.messages.map((m) => m.raw.toString()),
      [second.toString()],
    );
  });
});
