import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { run } from '../helpers/run.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { cramMd5Digest } from '../../src/auth/mechanisms/cram-md5.js';

describe('--user mode checks passwords for every mechanism', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ users: { test: 'testpass' } });
  });
  after(() => sb.close());

  for (const mech of ['PLAIN', 'LOGIN', 'CRAM-MD5']) {
    for (const [password, expected] of [
      ['testpass', 235],
      ['wrong', 535],
    ] as const) {
      it(`curl AUTH=${mech} with ${password === 'testpass' ? 'the right' : 'a wrong'} password → ${expected}`, async () => {
        const result = await run('curl', [
          '-sS',
          '-v',
          `smtp://127.0.0.1:${sb.ports.smtp}`,
          '--ssl-reqd',
          '--cacert',
          certPath(),
          '--user',
          `test:${password}`,
          '--login-options',
          `AUTH=${mech}`,
          '--request',
          'NOOP',
        ]);
        assert.match(result.stderr, new RegExp(`< ${expected} `), result.stderr);
        const auths = sb.transcript.history().filter((e) => e.type === 'auth');
        const last = auths.at(-1)!;
        assert.ok(last.type === 'auth' && last.mechanism === mech && last.ok === (expected === 235));
      });
    }
  }

  it('XOAUTH2: the token must be the password (nodemailer)', async () => {
    await assert.rejects(
      sendMail({
        port: sb.ports.smtp!,
        tls: 'starttls',
        auth: { user: 'test', accessToken: 'nope' },
        raw: sampleMessage(),
      }),
      /535/,
    );
    const ok = await sendMail({
      port: sb.ports.smtp!,
      tls: 'starttls',
      auth: { user: 'test', accessToken: 'testpass' },
      raw: sampleMessage(),
    });
    assert.match(ok, /^250 /);
  });

  it('CRAM-MD5 by hand, as the article does it: challenge → "user digest"', async () => {
    const c = await RawClient.connect(sb.ports.smtps!, { tls: true, ca: undefined });
    try {
      assert.match(await c.readLine(), /^220 /);
      c.send('EHLO localhost');
      await c.readUntil(/^250 /);
      c.send('AUTH CRAM-MD5');
      const challengeLine = await c.readLine();
      assert.match(challengeLine, /^334 /);
      const challenge = Buffer.from(challengeLine.slice(4), 'base64').toString();
      assert.match(challenge, /^<[^@]+@mailsandbox\.localhost>$/);
      c.send(Buffer.from(`test ${cramMd5Digest('testpass', challenge)}`).toString('base64'));
      assert.equal(await c.readLine(), '235 2.7.0 Authentication successful');
    } finally {
      c.close();
    }
  });
});

describe('submission refuses mail before AUTH; port 25 does not', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox();
  });
  after(() => sb.close());

  it('587: MAIL FROM before AUTH → 530, after AUTH → 250', async () => {
    const c = await RawClient.connect(sb.ports.submission!);
    try {
      await c.readLine();
      c.send('EHLO client.test');
      await c.readUntil(/^250 /);
      c.send('MAIL FROM:<a@example.test>');
      assert.match(await c.readLine(), /^530 5\.7\.0 /);
      c.send('AUTH PLAIN ' + Buffer.from('\0test\0testpass').toString('base64'));
      assert.match(await c.readLine(), /^235 /);
      c.send('MAIL FROM:<a@example.test>');
      assert.match(await c.readLine(), /^250 /);
    } finally {
      c.close();
    }
  });

  it("25: the article's telnet session without AUTH, null sender accepted", async () => {
    const c = await RawClient.connect(sb.ports.smtp!);
    try {
      assert.match(await c.readLine(), /^220 mailsandbox\.localhost ESMTP/);
      for (const [line, reply] of [
        ['HELO localhost.localdomain', /^250 mailsandbox\.localhost/],
        ['MAIL FROM:<>', /^250 2\.1\.0 /],
        ['RCPT TO:<user@mail.server.net>', /^250 2\.1\.5 /],
        ['DATA', /^354 End data with <CR><LF>\.<CR><LF>$/],
      ] as const) {
        c.send(line);
        assert.match(await c.readLine(), reply);
      }
      c.write(
        'FROM: root@localhost.localdomain\r\nTO: user@mail.server.net\r\nSUBJECT: test mail from test subject\r\n\r\ntest body\r\n.\r\n',
      );
      assert.match(await c.readLine(), /^250 2\.6\.0 Ok: queued as [0-9A-F]+$/);
      c.send('QUIT');
      assert.match(await c.readLine(), /^221 2\.0\.0 Bye/);
      await c.waitClosed();
    } finally {
      c.close();
    }
  });

  it('greets at once: a client that talks before the greeting is not refused as an early talker', async () => {
    // smtp-server waits 100 ms by default and answers such a client "421 You talk too soon".
    for (let i = 0; i < 5; i++) {
      const c = await RawClient.connect(sb.ports.smtp!);
      try {
        c.send('EHLO early.test');
        assert.match(await c.readLine(), /^220 /);
        const lines = await c.readUntil(/^250 /);
        assert.ok(
          lines.every((l) => l.startsWith('250')),
          lines.join('\n'),
        );
      } finally {
        c.close();
      }
    }
  });
});
