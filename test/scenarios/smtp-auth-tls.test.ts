import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { RawClient } from '../helpers/raw-client.js';
import { parseScenario } from '../../src/scenario/index.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { sendMail, swaksTo } from '../helpers/smtp.js';
import { messageOf, scenarioSandbox, smtplib } from './support.js';

const open: Sandbox[] = [];
after(() => Promise.all(open.map((s) => s.close())));
async function sandbox(name: string): Promise<Sandbox> {
  const sb = await scenarioSandbox(name);
  open.push(sb);
  return sb;
}

const authEvents = (sb: Sandbox) =>
  sb.transcript
    .history()
    .filter((e) => e.type === 'auth')
    .map((e) => (e.type === 'auth' ? `${e.mechanism} ${e.username} ${e.ok}` : ''));

/** curl sending one message over SMTP; returns curl's exit code and its verbose output. */
async function curlSend(url: string, extra: string[]): Promise<{ code: number | null; log: string }> {
  const r = await run(
    'curl',
    ['-sv', '--max-time', '15', url, '--mail-from', 'a@example.test', '--mail-rcpt', 'b@example.test', '-T', '-', ...extra],
    { input: messageOf(300, 'curl'), timeoutMs: 20_000 },
  );
  return { code: r.code, log: r.stderr };
}

describe('shipped auth scenarios with real clients', () => {
  it('strict-users: alice/wonderland logs in, a wrong password gets 535', async () => {
    const sb = await sandbox('strict-users');
    const result = await smtplib(
      `
out = []
for user, pw in [('alice', 'wonderland'), ('alice', 'wrong'), ('mallory', 'x')]:
    s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
    try: out.append(s.login(user, pw)[0])
    except smtplib.SMTPAuthenticationError as e: out.append(e.smtp_code)
    s.close()
report(out=out)`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.deepEqual(result.out, [235, 535, 535]);
    // smtplib tries every mechanism it knows before it gives up.
    assert.deepEqual(authEvents(sb), [
      'CRAM-MD5 alice true',
      'CRAM-MD5 alice false',
      'PLAIN alice false',
      'LOGIN alice false',
      'CRAM-MD5 mallory false',
      'PLAIN mallory false',
      'LOGIN mallory false',
    ]);
  });

  for (const [name, mechanism] of [
    ['plain-only', 'PLAIN'],
    ['login-only', 'LOGIN'],
    ['cram-md5-only', 'CRAM-MD5'],
  ] as const) {
    it(`${name}: EHLO offers ${mechanism} only, smtplib logs in with it, another mechanism gets 504`, async () => {
      const sb = await sandbox(name);
      const other = mechanism === 'PLAIN' ? 'LOGIN' : 'PLAIN';
      const result = await smtplib(
        `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); offered = s.esmtp_features.get('auth')
code = s.login('alice', 'wonderland')[0]; s.close()
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); other = s.docmd('AUTH', '${other}')
report(offered=offered, code=code, other=[other[0], other[1].decode()])`,
        sb.ports.smtp!,
        certPath(),
      );
      assert.equal(String(result.offered).trim(), mechanism);
      assert.equal(result.code, 235);
      assert.deepEqual(result.other, [504, '5.5.4 Unrecognized authentication type']);
      assert.deepEqual(authEvents(sb), [`${mechanism} alice true`]);
    });
  }

  it('digest-md5-only: curl logs in with DIGEST-MD5 (unquoted md5-sess), a wrong password is refused', async () => {
    const sb = await sandbox('digest-md5-only');
    const url = `smtp://127.0.0.1:${sb.ports.smtp}`;
    const good = await curlSend(url, ['-u', 'alice:wonderland', '--login-options', 'AUTH=DIGEST-MD5']);
    assert.equal(good.code, 0, good.log);
    assert.match(good.log, /< 235 2\.7\.0 Authentication successful/);
    const bad = await curlSend(url, ['-u', 'alice:nope', '--login-options', 'AUTH=DIGEST-MD5']);
    assert.equal(bad.code, 67, bad.log);
    assert.match(bad.log, /< 535 5\.7\.8/);
    assert.equal(sb.messages().length, 1);
    assert.deepEqual(authEvents(sb), ['DIGEST-MD5 alice true', 'DIGEST-MD5 alice false']);
  });

  it('digest-md5-only: swaks --auth DIGEST-MD5 (Authen::SASL) logs in; a wrong password gets 535', async () => {
    const sb = await sandbox('digest-md5-only');
    const swaks = (password: string) =>
      run(
        'swaks',
        [
          ...swaksTo(sb.ports.smtp),
          '--auth',
          'DIGEST-MD5',
          '--auth-user',
          'alice',
          '--auth-password',
          password,
        ],
        { timeoutMs: 20_000 },
      );
    const good = await swaks('wonderland');
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /<- +235 2\.7\.0 Authentication successful/);
    const bad = await swaks('wrong');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /535 5\.7\.8 Authentication credentials invalid/);
    assert.deepEqual(authEvents(sb), ['DIGEST-MD5 alice true', 'DIGEST-MD5 alice false']);
  });

  it('scram-only: a SCRAM-SHA-256 exchange computed here verifies the server signature; smtplib finds no mechanism', async () => {
    const sb = await sandbox('scram-only');
    const c = await RawClient.connect(sb.ports.smtp!);
    try {
      await c.readLine();
      c.send('EHLO client.test');
      const ehlo = await c.readUntil(/^250 /);
      assert.ok(ehlo.includes('250-AUTH SCRAM-SHA-256 SCRAM-SHA-1'), ehlo.join('\n'));
      // RFC 5802 §3 / RFC 7677, written out here independently of src/auth/mechanisms/scram.ts.
      const cnonce = randomBytes(12).toString('base64');
      const clientFirstBare = `n=alice,r=${cnonce}`;
      c.send(`AUTH SCRAM-SHA-256 ${Buffer.from(`n,,${clientFirstBare}`).toString('base64')}`);
      const serverFirst = Buffer.from((await c.readLine()).replace(/^334 /, ''), 'base64').toString();
      const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
      assert.ok(attrs.r!.startsWith(cnonce));
      const salted = pbkdf2Sync('wonderland', Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256');
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${attrs.r}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const signature = createHmac('sha256', storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
      c.send(Buffer.from(`${withoutProof},p=${proof}`).toString('base64'));
      const serverFinal = Buffer.from((await c.readLine()).replace(/^334 /, ''), 'base64').toString();
      const serverKey = createHmac('sha256', salted).update('Server Key').digest();
      assert.equal(serverFinal, `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`);
      c.send('');
      assert.equal(await c.readLine(), '235 2.7.0 Authentication successful');
    } finally {
      c.close();
    }
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
try: s.login('alice', 'wonderland'); report(ok=True)
except smtplib.SMTPException as e: report(ok=False, text=str(e))`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.deepEqual(result, { ok: false, text: 'No suitable authentication method found.' });
    assert.deepEqual(authEvents(sb), ['SCRAM-SHA-256 alice true']);
  });

  it('auth-only-after-tls: no AUTH and 530 5.7.0 before STARTTLS, login works after it', async () => {
    const sb = await sandbox('auth-only-after-tls');
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); before = s.esmtp_features.get('auth')
plain = s.docmd('AUTH', 'PLAIN AGFsaWNlAHNlY3JldA==')
s.starttls(context=tls()); s.ehlo('client.test'); after = s.esmtp_features.get('auth')
code = s.login('alice', 'secret')[0]; s.close()
report(before=before, plain=[plain[0], plain[1].decode()], after=after, code=code)`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.equal(result.before, null);
    assert.deepEqual(result.plain, [530, '5.7.0 Must issue a STARTTLS command first']);
    assert.equal(String(result.after).trim(), 'PLAIN LOGIN CRAM-MD5 XOAUTH2');
    assert.equal(result.code, 235);
  });

  it('outlook-legacy-auth: EHLO carries the draft AUTH=PLAIN LOGIN line beside the standard one; smtplib logs in', async () => {
    const sb = await sandbox('outlook-legacy-auth');
    const c = await RawClient.connect(sb.ports.smtp!);
    await c.readLine();
    c.send('EHLO outlook.test');
    const ehlo = await c.readUntil(/^250 /);
    assert.ok(ehlo.includes('250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2'), ehlo.join('\n'));
    assert.ok(ehlo.some((l) => /^250[- ]AUTH=PLAIN LOGIN$/.test(l)), ehlo.join('\n'));
    c.socket.destroy();
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('outlook.test'); s.login('test', 'testpass')
s.sendmail('a@example.test', ['b@example.test'], 'Subject: x\\r\\n\\r\\nx\\r\\n'); s.quit(); report(ok=True)`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.equal(result.ok, true);
    assert.equal(sb.messages().length, 1);
  });

  it('gmail-like: no AUTH before TLS, SIZE 35882577, no DSN; OAUTHBEARER with curl --oauth2-bearer after STARTTLS', async () => {
    const sb = await sandbox('gmail-like');
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); greeting = s.ehlo('client.test'); before = dict(s.esmtp_features)
s.starttls(context=tls()); s.ehlo('client.test'); after = s.esmtp_features.get('auth'); s.close()
report(before=before, after=after)`,
      sb.ports.smtp!,
      certPath(),
    );
    const before = result.before as Record<string, string>;
    assert.equal(before.size, '35882577');
    assert.equal(before.auth, undefined);
    assert.equal(before.dsn, undefined);
    assert.ok('starttls' in before);
    assert.equal(String(result.after).trim(), 'LOGIN PLAIN XOAUTH2 OAUTHBEARER');
    const curl = await curlSend(`smtp://127.0.0.1:${sb.ports.smtp}`, [
      '--ssl-reqd',
      '--cacert',
      certPath(),
      '-u',
      'alice@example.test:',
      '--oauth2-bearer',
      'ya29.token',
    ]);
    assert.equal(curl.code, 0, curl.log);
    assert.match(curl.log, /< 220 smtp\.gmail\.example ESMTP gsmtp/);
    assert.match(curl.log, /> AUTH OAUTHBEARER\b/);
    assert.deepEqual(authEvents(sb), ['OAUTHBEARER alice@example.test true']);
    const decoded = sb.transcript
      .history()
      .filter((e) => e.type === 'client-line' && e.decoded?.includes('token="ya29.token"'));
    assert.equal(decoded.length, 1, 'the OAUTHBEARER payload is shown decoded');
  });

  it('XOAUTH2 with curl --oauth2-bearer: the token is checked, a wrong one gets the JSON error', async () => {
    const scenario = await parseScenario(
      'description: tokens\nusers: { alice: good-token }\nsmtp:\n  auth: { mechanisms: [XOAUTH2] }\n',
      { label: 'inline.yaml', name: 'tokens' },
    );
    const sb = await startTestSandbox({ listeners: ['smtp'], scenario });
    open.push(sb);
    const url = `smtp://127.0.0.1:${sb.ports.smtp}`;
    const good = await curlSend(url, ['-u', 'alice:', '--oauth2-bearer', 'good-token']);
    assert.equal(good.code, 0, good.log);
    assert.match(good.log, /> AUTH XOAUTH2\b/);
    const bad = await curlSend(url, ['-u', 'alice:', '--oauth2-bearer', 'stolen-token']);
    // Google's convention: the error as a JSON challenge; curl gives up on it (login denied).
    assert.equal(bad.code, 67, bad.log);
    assert.match(bad.log, /< 334 eyJzdGF0dXMiOiI0MDEi/);
    assert.deepEqual(authEvents(sb), ['XOAUTH2 alice true', 'XOAUTH2 alice false']);
  });

  it('OAUTHBEARER refused (RFC 7628 §3.2.2): JSON error challenge, the client answers ^A, then 535; ANONYMOUS refused in users mode', async () => {
    const scenario = await parseScenario(
      'description: tokens\nusers: { alice: good-token }\nauth: { mechanisms: [OAUTHBEARER, ANONYMOUS] }\n',
      { label: 'inline.yaml', name: 'tokens' },
    );
    const sb = await startTestSandbox({ listeners: ['smtp'], scenario });
    open.push(sb);
    const c = await RawClient.connect(sb.ports.smtp!);
    try {
      await c.readLine();
      c.send('EHLO client.test');
      assert.ok((await c.readUntil(/^250 /)).includes('250-AUTH OAUTHBEARER ANONYMOUS'));
      const payload = Buffer.from('n,a=alice,\x01auth=Bearer bad-token\x01\x01').toString('base64');
      c.send(`AUTH OAUTHBEARER ${payload}`);
      const error = await c.readLine();
      assert.match(error, /^334 /);
      assert.equal(JSON.parse(Buffer.from(error.slice(4), 'base64').toString()).status, 'invalid_token');
      c.send('AQ==');
      assert.equal(await c.readLine(), '535 5.7.8 Authentication credentials invalid');
      c.send(`AUTH ANONYMOUS ${Buffer.from('guest@example.test').toString('base64')}`);
      assert.equal(await c.readLine(), '535 5.7.8 Authentication credentials invalid');
    } finally {
      c.close();
    }
    assert.deepEqual(authEvents(sb), ['OAUTHBEARER alice false', 'ANONYMOUS anonymous false']);
  });

  it('accept-all: nodemailer sends with any credentials', async () => {
    const sb = await sandbox('accept-all');
    const response = await sendMail({
      port: sb.ports.submission!,
      tls: 'starttls',
      auth: { user: 'anyone', pass: 'anything', method: 'PLAIN' },
      raw: messageOf(500),
    });
    assert.match(response, /^250 /);
    assert.deepEqual(authEvents(sb), ['PLAIN anyone true']);
  });
});

describe('shipped TLS scenarios with real clients', () => {
  const starttls = `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); offered = 'starttls' in s.esmtp_features
try: s.starttls(context=tls()); s.ehlo('client.test'); report(offered=offered, ok=True)
except Exception as e: report(offered=offered, ok=False, **err(e))`;

  it('no-starttls: STARTTLS is not offered; using it anyway gets 502', async () => {
    const sb = await sandbox('no-starttls');
    const result = await smtplib(starttls, sb.ports.smtp!, certPath());
    assert.equal(result.offered, false);
    assert.equal(result.type, 'SMTPNotSupportedError');
    const raw = await smtplib(
      `s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('x'); c, t = s.docmd('STARTTLS'); report(c=c, t=t.decode())`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.deepEqual(raw, { c: 502, t: '5.5.1 STARTTLS is not offered here' });
  });

  it('starttls-refused: STARTTLS is offered but answered 454 4.7.0', async () => {
    const sb = await sandbox('starttls-refused');
    const result = await smtplib(starttls, sb.ports.smtp!, certPath());
    assert.equal(result.offered, true);
    assert.equal(result.type, 'SMTPResponseException');
    assert.equal(result.code, 454);
  });

  it('starttls-handshake-abort: 220, then the connection drops in the handshake', async () => {
    const sb = await sandbox('starttls-handshake-abort');
    const result = await smtplib(starttls, sb.ports.smtp!, certPath());
    assert.equal(result.offered, true);
    assert.equal(result.ok, false);
    assert.match(String(result.type), /SSLError|ConnectionResetError|SSLEOFError|SMTPServerDisconnected|OSError/);
    const notes = sb.transcript.history().filter((e) => e.type === 'session-close');
    assert.ok(notes.some((e) => e.type === 'session-close' && /handshake aborted/.test(e.reason)));
  });

  const smtps = (sb: Sandbox, extra: string[]) =>
    curlSend(`smtps://127.0.0.1:${sb.ports.smtps}`, ['-u', 'a:b', ...extra]);

  it('expired-cert: curl refuses the expired certificate', async () => {
    const sb = await sandbox('expired-cert');
    assert.ok(sb.certificate.notAfter.getTime() < Date.now(), 'the presented certificate is expired');
    const r = await smtps(sb, ['--cacert', sb.certificate.certPath]);
    assert.equal(r.code, 60, r.log);
    assert.match(r.log, /certificate has expired/);
  });

  it('wrong-hostname-cert: curl refuses a certificate for another name', async () => {
    const sb = await sandbox('wrong-hostname-cert');
    const r = await smtps(sb, ['--cacert', sb.certificate.certPath]);
    assert.equal(r.code, 60, r.log);
    assert.match(r.log, /subject name|does not match/i);
  });

  it('other-ca-cert: curl trusting the sandbox certificate refuses one from another CA', async () => {
    const sb = await sandbox('other-ca-cert');
    const r = await smtps(sb, ['--cacert', certPath()]);
    assert.equal(r.code, 60, r.log);
    assert.match(r.log, /unable to get local issuer certificate/);
  });

  it('tls13-only: curl limited to TLS 1.2 fails the handshake, unlimited curl gets TLS 1.3', async () => {
    const sb = await sandbox('tls13-only');
    const old = await smtps(sb, ['--cacert', certPath(), '--tls-max', '1.2']);
    assert.equal(old.code, 35, old.log);
    const ok = await smtps(sb, ['--cacert', certPath()]);
    assert.equal(ok.code, 0, ok.log);
    assert.match(ok.log, /TLSv1\.3/);
  });
});
