import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../src/index.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { python, run, typedOverStartTls } from '../helpers/run.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** Server and client lines of the newest session that stored `messageCount` messages. */
function lastSessionLines(sb: Sandbox): { sid: string; lines: string[] } {
  const events = sb.transcript.history();
  const sid = [...events].reverse().find((e) => e.type === 'message-stored')!.sid;
  const lines = sb.transcript
    .history(sid)
    .filter((e) => e.type === 'client-line' || e.type === 'server-line')
    .map(
      (e) =>
        (e.type === 'client-line' ? 'C: ' : 'S: ') +
        e.line +
        ('decoded' in e && e.decoded ? ` [${e.decoded}]` : ''),
    );
  return { sid, lines };
}

describe('SMTP with third-party clients', () => {
  let sb: Sandbox;
  const dir = tempDir();
  const raw = sampleMessage();
  const emlPath = join(dir, 'msg.eml');

  before(async () => {
    sb = await startTestSandbox();
    writeFileSync(emlPath, raw);
  });
  after(() => sb.close());

  describe('nodemailer stores the message byte for byte', () => {
    const cases = [
      ['smtp', 'starttls'],
      ['submission', 'starttls'],
      ['smtps', 'implicit'],
    ] as const;
    for (const [listener, tls] of cases) {
      for (const method of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] as const) {
        it(`${listener} (${tls}) with ${method}`, async () => {
          const before = sb.messages().length;
          const auth =
            method === 'XOAUTH2'
              ? { user: 'test', accessToken: 'ya29.token' }
              : { user: 'test', pass: 'testpass', method };
          const response = await sendMail({
            port: sb.ports[listener]!,
            tls,
            auth,
            raw,
            to: ['a@example.test', 'b@example.test'],
          });
          assert.match(response, /^250 2\.6\.0 Ok: queued as [0-9A-F]+/);
          const messages = sb.messages();
          assert.equal(messages.length, before + 1);
          const stored = messages.at(-1)!;
          assert.ok(stored.raw.equals(raw), 'stored bytes differ from the sent bytes');
          assert.deepEqual(stored.envelope?.rcptTo, ['a@example.test', 'b@example.test']);
          assert.equal(stored.envelope?.authUser, 'test');
          assert.match(stored.envelope?.tls ?? '', /^TLSv1\.[23] /);
          const { lines } = lastSessionLines(sb);
          assert.ok(
            lines.some((l) => l.startsWith(`C: AUTH ${method}`)),
            `no AUTH ${method} in ${lines.join('\n')}`,
          );
          assert.ok(
            lines.some((l) => l.includes('[') && l.includes('"test"')),
            'AUTH user not decoded in the transcript',
          );
          assert.ok(lines.includes('S: 235 2.7.0 Authentication successful'));
        });
      }
    }
  });

  describe('curl verifies the certificate and authenticates', () => {
    const urls = () =>
      [
        ['smtp:// + STARTTLS', `smtp://127.0.0.1:${sb.ports.smtp}`, ['--ssl-reqd']],
        ['submission + STARTTLS', `smtp://127.0.0.1:${sb.ports.submission}`, ['--ssl-reqd']],
        ['smtps://', `smtps://127.0.0.1:${sb.ports.smtps}`, []],
        ['smtp:// plain', `smtp://127.0.0.1:${sb.ports.smtp}`, []],
      ] as const;
    for (const index of [0, 1, 2, 3]) {
      for (const mech of ['PLAIN', 'LOGIN', 'CRAM-MD5']) {
        it(`case ${index} with AUTH=${mech}`, async () => {
          const [, url, extra] = urls()[index]!;
          const before = sb.messages().length;
          const result = await run('curl', [
            '-sS',
            url,
            ...extra,
            '--cacert',
            certPath(),
            '--mail-from',
            'sender@example.test',
            '--mail-rcpt',
            'user@example.test',
            '--user',
            'test:testpass',
            '--login-options',
            `AUTH=${mech}`,
            '-T',
            emlPath,
          ]);
          assert.equal(result.code, 0, result.stderr);
          assert.equal(sb.messages().length, before + 1);
          assert.ok(sb.messages().at(-1)!.raw.equals(raw));
          const { lines } = lastSessionLines(sb);
          const authAt = lines.findIndex((l) => l.startsWith(`C: AUTH ${mech}`));
          assert.ok(authAt >= 0, lines.join('\n'));
          if (mech === 'PLAIN')
            assert.ok(
              lines.some((l) => l.includes('user="test" password="testpass"')),
              lines.join('\n'),
            );
          if (mech === 'LOGIN') {
            assert.ok(lines.includes('S: 334 VXNlcm5hbWU6 [Username:]'));
            assert.ok(lines.some((l) => l.endsWith('[password="testpass"]')));
          }
          if (mech === 'CRAM-MD5')
            assert.ok(
              lines.some((l) => /\[user="test" digest=[0-9a-f]{32}\]$/.test(l)),
              lines.join('\n'),
            );
        });
      }
    }
  });

  it('python3 smtplib: starttls() + login() on 587, and SMTP_SSL on 465', async () => {
    const before = sb.messages().length;
    const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
msg = open(sys.argv[4], 'rb').read()
s = smtplib.SMTP('localhost', int(sys.argv[2]), timeout=10)
s.starttls(context=ctx)
s.login('test', 'testpass')
s.sendmail('sender@example.test', ['user@example.test'], msg)
s.quit()
s = smtplib.SMTP_SSL('localhost', int(sys.argv[3]), context=ctx, timeout=10)
s.login('test', 'testpass')
print(s.sendmail('sender@example.test', ['user@example.test'], msg))
s.quit()
`;
    const result = await python(script, [
      certPath(),
      String(sb.ports.submission),
      String(sb.ports.smtps),
      emlPath,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sb.messages().length, before + 2);
    for (const m of sb.messages().slice(-2)) assert.ok(m.raw.equals(raw));
  });

  it('swaks: --auth CRAM-MD5 --tls on 25, and --tlsc on 465', async () => {
    const before = sb.messages().length;
    const common = [
      '--server',
      '127.0.0.1',
      '--from',
      'sender@example.test',
      '--to',
      'user@example.test',
      '--data',
      emlPath,
    ];
    const a = await run('swaks', [
      ...common,
      '--port',
      String(sb.ports.smtp),
      '--auth',
      'CRAM-MD5',
      '--auth-user',
      'test',
      '--auth-password',
      'testpass',
      '--tls',
    ]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.match(a.stdout, /<~ {1,2}235 2\.7\.0 Authentication successful/);
    const b = await run('swaks', [
      ...common,
      '--port',
      String(sb.ports.smtps),
      '--tlsc',
      '--auth',
      'PLAIN',
      '--auth-user',
      'test',
      '--auth-password',
      'testpass',
    ]);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    assert.equal(sb.messages().length, before + 2);
  });

  it("openssl s_client -starttls smtp: the article's session, null sender included", async () => {
    const before = sb.messages().length;
    const session = [
      'HELO localhost.localdomain',
      'MAIL FROM:<>',
      'RCPT TO:<user@mail.server.net>',
      'DATA',
      'FROM: root@localhost.localdomain',
      'TO: user@mail.server.net',
      'SUBJECT: test mail from test subject',
      '',
      'test body',
      '.',
      'QUIT',
      '',
    ].join('\n');
    const result = await typedOverStartTls(sb.ports.smtp, 'smtp', session);
    assert.match(result.stdout, /250 2\.1\.0 Accepted/);
    assert.match(result.stdout, /354 End data with <CR><LF>\.<CR><LF>/);
    assert.match(result.stdout, /250 2\.6\.0 Ok: queued as [0-9A-F]+/);
    assert.match(result.stdout, /221 2\.0\.0 Bye/);
    assert.equal(sb.messages().length, before + 1);
    const stored = sb.messages().at(-1)!;
    assert.equal(stored.envelope?.mailFrom, '');
    assert.equal(
      stored.raw.toString(),
      'FROM: root@localhost.localdomain\r\nTO: user@mail.server.net\r\nSUBJECT: test mail from test subject\r\n\r\ntest body\r\n',
    );
    const { lines } = lastSessionLines(sb);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('C: ')),
      [
        'C: EHLO mail.example.com', // openssl's own, before STARTTLS
        'C: STARTTLS',
        'C: HELO localhost.localdomain',
        'C: MAIL FROM:<>',
        'C: RCPT TO:<user@mail.server.net>',
        'C: DATA',
        'C: <message body: 111 bytes>',
        'C: .',
        'C: QUIT',
      ],
    );
  });
});
