import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { Sandbox } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { PYTHON, smtplib } from './support.js';

/** smtplib driving a token mechanism: the challenge it was shown (decoded) and how it ended. */
const SMTP_TOKEN = (mechanism: string, initial: string, answer: string) => `
seen = []
def obj(challenge=None):
    if challenge is None: return ${initial}
    seen.append(challenge.decode())
    return ${answer}
s = smtplib.SMTP('127.0.0.1', port, timeout=10)
s.starttls(context=tls()); s.ehlo()
try:
    s.auth('${mechanism}', obj, initial_response_ok=True); report(ok=True, seen=seen)
except smtplib.SMTPAuthenticationError as e:
    report(code=e.smtp_code, text=e.smtp_error.decode(), seen=seen)
`;

const XOAUTH2_INITIAL = `'user=alice@gmail.test\\x01auth=Bearer ya29.stale\\x01\\x01'`;
const OAUTHBEARER_INITIAL = `'n,a=alice@gmail.test,\\x01auth=Bearer ya29.stale\\x01\\x01'`;

describe('OAuth lab: oauth-expired-token', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({
      listeners: ['smtp', 'imap'],
      scenario: await loadScenario('oauth-expired-token'),
    });
  });
  after(() => sb.close());

  test('python smtplib with XOAUTH2 reads 334 + JSON status 401, answers empty, then gets 535 5.7.8', async () => {
    const r = await smtplib(SMTP_TOKEN('XOAUTH2', XOAUTH2_INITIAL, "''"), sb.ports.smtp!, certPath());
    const seen = r.seen as string[];
    assert.equal(seen.length, 1);
    assert.deepEqual(JSON.parse(seen[0]!), {
      status: '401',
      schemes: 'Bearer',
      scope: 'https://mail.google.com/',
    });
    assert.equal(r.code, 535);
    assert.match(r.text as string, /^5\.7\.8 Username and Password not accepted\./);
  });

  test('OAUTHBEARER (RFC 7628): JSON status invalid_token, the client answers ^A, then 535', async () => {
    const r = await smtplib(SMTP_TOKEN('OAUTHBEARER', OAUTHBEARER_INITIAL, "'\\x01'"), sb.ports.smtp!, certPath());
    const seen = r.seen as string[];
    assert.equal(JSON.parse(seen[0]!).status, 'invalid_token');
    assert.equal(r.code, 535);
  });

  test('imaplib AUTHENTICATE XOAUTH2: a + continuation with the JSON, then NO [AUTHENTICATIONFAILED]', async () => {
    const script = `
import imaplib, json, sys, base64
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
seen = []
def obj(challenge):
    if not seen and challenge == b'':
        seen.append('')
        return b'user=alice@gmail.test\\x01auth=Bearer ya29.stale\\x01\\x01'
    seen.append(challenge.decode())
    return b''
try:
    c.authenticate('XOAUTH2', obj); out = 'ok'
except imaplib.IMAP4.error as e:
    out = str(e)
print(json.dumps({'out': out, 'seen': seen}))
`;
    const res = await run(PYTHON, ['-c', script, String(sb.ports.imap)], { timeoutMs: 20_000 });
    const r = JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '{}') as { out: string; seen: string[] };
    assert.equal(JSON.parse(r.seen.at(-1)!).status, '401', res.stderr);
    assert.match(r.out, /\[AUTHENTICATIONFAILED\] Invalid credentials \(Failure\)/);
  });

  test("nodemailer with an expired accessToken fails with the provider's wording", async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sb.ports.smtp!,
      secure: false,
      tls: { ca: readFileSync(certPath()), servername: 'localhost' },
      auth: { type: 'OAuth2', user: 'alice@gmail.test', accessToken: 'ya29.expired' },
    });
    await assert.rejects(
      transport.sendMail({ from: 'alice@gmail.test', to: 'bob@x.test', subject: 's', text: 'b' }),
      (err: Error & { responseCode?: number }) => {
        assert.equal(err.responseCode, 535);
        assert.match(err.message, /Username and Password not accepted/);
        return true;
      },
    );
    transport.close();
    assert.equal(sb.messages().length, 0);
  });
});

describe('OAuth lab: oauth-wrong-scope and users with tokens', () => {
  test('oauth-wrong-scope: XOAUTH2 says 403, OAUTHBEARER insufficient_scope', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp'], scenario: await loadScenario('oauth-wrong-scope') });
    try {
      const x = await smtplib(SMTP_TOKEN('XOAUTH2', XOAUTH2_INITIAL, "''"), sb.ports.smtp!, certPath());
      assert.equal(JSON.parse((x.seen as string[])[0]!).status, '403');
      assert.equal(x.code, 535);
      const o = await smtplib(SMTP_TOKEN('OAUTHBEARER', OAUTHBEARER_INITIAL, "'\\x01'"), sb.ports.smtp!, certPath());
      assert.equal(JSON.parse((o.seen as string[])[0]!).status, 'insufficient_scope');
      assert.equal(o.code, 535);
    } finally {
      await sb.close();
    }
  });

  test('users: { alice: { token } } - the right token logs in over XOAUTH2, another gets the JSON error', async () => {
    const dir = tempDir();
    const file = join(dir, 'tokens.yaml');
    writeFileSync(
      file,
      'description: tokens\nusers:\n  alice@gmail.test: { token: ya29.good }\nauth:\n  mechanisms: [XOAUTH2]\n',
    );
    const sb = await startTestSandbox({ listeners: ['smtp'], scenario: await loadScenario(file) });
    try {
      const good = `'user=alice@gmail.test\\x01auth=Bearer ya29.good\\x01\\x01'`;
      assert.deepEqual(await smtplib(SMTP_TOKEN('XOAUTH2', good, "''"), sb.ports.smtp!, certPath()), {
        ok: true,
        seen: [],
      });
      const bad = await smtplib(SMTP_TOKEN('XOAUTH2', XOAUTH2_INITIAL, "''"), sb.ports.smtp!, certPath());
      assert.equal(JSON.parse((bad.seen as string[])[0]!).status, '401');
      assert.equal(bad.code, 535);
    } finally {
      await sb.close();
    }
  });
});
