import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { RawClient } from '../helpers/raw-client.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { CURL_ENVELOPE, swaksTo } from '../helpers/smtp.js';
import { messageOf, smtplib } from '../scenarios/support.js';

const authEvents = (sb: Sandbox) =>
  sb.transcript
    .history()
    .filter((e) => e.type === 'auth')
    .map((e) => (e.type === 'auth' ? `${e.mechanism} ${e.username} ${e.ok}` : ''));

async function ehloAuth(port: number): Promise<string | undefined> {
  const c = await RawClient.connect(port);
  try {
    await c.readLine();
    c.send('EHLO client.test');
    return (await c.readUntil(/^250 /)).find((l) => /^250[- ]AUTH /.test(l));
  } finally {
    c.close();
  }
}

describe('SMTP AUTH through the shared SASL driver, with --user and no scenario', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({
      listeners: ['smtp'],
      // bob's password is a bearer token: XOAUTH2 and OAUTHBEARER check the token against it.
      users: { alice: 'wonderland', bob: 'bearer-token' },
      mechanisms: ['PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-256', 'OAUTHBEARER', 'XOAUTH2'],
    });
  });
  after(() => sb.close());

  const curl = async (extra: string[], port = sb.ports.smtp!) => {
    const r = await run(
      'curl',
      ['-sv', '--max-time', '15', `smtp://127.0.0.1:${port}`, ...CURL_ENVELOPE, ...extra],
      { input: messageOf(300, 'curl'), timeoutMs: 20_000 },
    );
    return { code: r.code, log: r.stderr };
  };

  it('EHLO offers the mechanisms --auth-mechanisms names, no scenario loaded', async () => {
    assert.equal(sb.scenario, null);
    assert.equal(
      await ehloAuth(sb.ports.smtp!),
      '250-AUTH PLAIN DIGEST-MD5 SCRAM-SHA-256 OAUTHBEARER XOAUTH2',
    );
  });

  it('swaks --auth DIGEST-MD5 (Authen::SASL) logs in; a wrong password gets 535', async () => {
    const swaks = (password: string) =>
      run(
        'swaks',
        [
          ...swaksTo(sb.ports.smtp),
          ...['--auth', 'DIGEST-MD5', '--auth-user', 'alice', '--auth-password', password],
        ],
        { timeoutMs: 20_000 },
      );
    const before = authEvents(sb).length;
    const good = await swaks('wonderland');
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /<- +235 2\.7\.0 Authentication successful/);
    const bad = await swaks('wrong');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /<\*\* +535 5\.7\.8 Authentication credentials invalid/);
    assert.deepEqual(authEvents(sb).slice(before), ['DIGEST-MD5 alice true', 'DIGEST-MD5 alice false']);
    // The transcript reads every step: the challenge decoded, the client's answer by its fields.
    const history = sb.transcript.history();
    assert.ok(
      history.some(
        (e) => e.type === 'server-line' && /^334 /.test(e.line) && /nonce="/.test(e.decoded ?? ''),
      ),
    );
    assert.ok(
      history.some(
        (e) => e.type === 'client-line' && /^user="alice" .*digest-uri="smtp\//.test(e.decoded ?? ''),
      ),
    );
  });

  it('curl --oauth2-bearer picks OAUTHBEARER: the token is the password; a wrong one gets the error challenge, then 535', async () => {
    const before = authEvents(sb).length;
    const good = await curl(['-u', 'bob:', '--oauth2-bearer', 'bearer-token']);
    assert.equal(good.code, 0, good.log);
    assert.match(good.log, /> AUTH OAUTHBEARER\b/);
    assert.match(good.log, /< 235 2\.7\.0 Authentication successful/);
    const bad = await curl(['-u', 'bob:', '--oauth2-bearer', 'stolen-token']);
    assert.equal(bad.code, 67, bad.log);
    assert.match(bad.log, /< 334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2Vu/);
    assert.match(bad.log, /< 535 5\.7\.8/);
    assert.deepEqual(authEvents(sb).slice(before), ['OAUTHBEARER bob true', 'OAUTHBEARER bob false']);
  });

  it('curl --oauth2-bearer where only XOAUTH2 is offered: the token is checked; a wrong one gets the JSON error', async () => {
    // curl 7.88 takes OAUTHBEARER whenever both are offered, whatever --login-options says.
    const own = await startTestSandbox({
      listeners: ['smtp'],
      users: { bob: 'bearer-token' },
      mechanisms: ['XOAUTH2'],
    });
    try {
      const login = ['-u', 'bob:', '--oauth2-bearer'];
      const good = await curl([...login, 'bearer-token'], own.ports.smtp!);
      assert.equal(good.code, 0, good.log);
      assert.match(good.log, /> AUTH XOAUTH2\b/);
      const bad = await curl([...login, 'stolen-token'], own.ports.smtp!);
      assert.equal(bad.code, 67, bad.log);
      assert.match(bad.log, /< 334 eyJzdGF0dXMiOiI0MDEi/);
      assert.deepEqual(authEvents(own), ['XOAUTH2 bob true', 'XOAUTH2 bob false']);
    } finally {
      await own.close();
    }
  });

  it('python smtplib with a SCRAM-SHA-256 auth object written here (RFC 5802, RFC 7677); a wrong password gets 535', async () => {
    const result = await smtplib(
      `
import base64, hashlib, hmac, os
class Scram:
    def __init__(self, user, password):
        self.user, self.password, self.step = user, password, 0
        self.nonce = base64.b64encode(os.urandom(12)).decode()
        self.server_ok = None
    def __call__(self, challenge=None):
        self.step += 1
        if self.step == 1:
            self.first_bare = 'n=%s,r=%s' % (self.user, self.nonce)
            return 'n,,' + self.first_bare
        if self.step == 2:
            server_first = challenge.decode()
            a = dict(kv.split('=', 1) for kv in server_first.split(','))
            assert a['r'].startswith(self.nonce)
            salted = hashlib.pbkdf2_hmac('sha256', self.password.encode(), base64.b64decode(a['s']), int(a['i']))
            client_key = hmac.new(salted, b'Client Key', hashlib.sha256).digest()
            stored_key = hashlib.sha256(client_key).digest()
            without_proof = 'c=biws,r=' + a['r']
            self.auth_message = ','.join([self.first_bare, server_first, without_proof]).encode()
            signature = hmac.new(stored_key, self.auth_message, hashlib.sha256).digest()
            proof = bytes(x ^ y for x, y in zip(client_key, signature))
            self.server_key = hmac.new(salted, b'Server Key', hashlib.sha256).digest()
            return without_proof + ',p=' + base64.b64encode(proof).decode()
        expected = base64.b64encode(hmac.new(self.server_key, self.auth_message, hashlib.sha256).digest()).decode()
        self.server_ok = challenge.decode() == 'v=' + expected
        return ''
out = []
for password in ['wonderland', 'wrong']:
    s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
    scram = Scram('alice', password)
    try: out.append([s.auth('SCRAM-SHA-256', scram)[0], scram.server_ok])
    except smtplib.SMTPAuthenticationError as e: out.append([e.smtp_code, scram.server_ok])
    s.close()
report(out=out)`,
      sb.ports.smtp!,
      certPath(),
    );
    // The server's signature (v=) was verified by the client before the 235.
    assert.deepEqual(result.out, [
      [235, true],
      [535, null],
    ]);
    assert.deepEqual(authEvents(sb).slice(-2), ['SCRAM-SHA-256 alice true', 'SCRAM-SHA-256 alice false']);
  });

  it('a mechanism the sandbox does not offer here gets 504 (CRAM-MD5 is not in the list)', async () => {
    const c = await RawClient.connect(sb.ports.smtp!);
    try {
      await c.readLine();
      c.send('EHLO client.test');
      await c.readUntil(/^250 /);
      c.send('AUTH CRAM-MD5');
      assert.equal(await c.readLine(), '504 5.5.4 Unrecognized authentication type');
    } finally {
      c.close();
    }
  });
});

describe('SMTP AUTH defaults without --auth-mechanisms', () => {
  it('EHLO keeps PLAIN LOGIN CRAM-MD5 XOAUTH2, and the shared driver answers PLAIN', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp'], users: { alice: 'wonderland' } });
    try {
      assert.equal(await ehloAuth(sb.ports.smtp!), '250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2');
      const c = await RawClient.connect(sb.ports.smtp!);
      try {
        await c.readLine();
        c.send('EHLO client.test');
        await c.readUntil(/^250 /);
        c.send(`AUTH PLAIN ${Buffer.from('\0alice\0wrong').toString('base64')}`);
        assert.equal(await c.readLine(), '535 5.7.8 Authentication credentials invalid');
        c.send('AUTH DIGEST-MD5');
        assert.equal(await c.readLine(), '504 5.5.4 Unrecognized authentication type');
      } finally {
        c.close();
      }
    } finally {
      await sb.close();
    }
  });
});
