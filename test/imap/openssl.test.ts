import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { typedOverStartTls } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** The article's SMTP session, typed as in ARTICLE.md. */
async function sendArticleMail(port: number): Promise<void> {
  const smtp = await RawClient.connect(port);
  const expect = async (re: RegExp) => assert.match((await smtp.readUntil(/^\d{3} /)).at(-1)!, re);
  await expect(/^220 /);
  for (const [line, re] of [
    ['HELO localhost.localdomain', /^250 /],
    ['MAIL FROM:<>', /^250 /],
    ['RCPT TO:<user@mail.server.net>', /^250 /],
    ['DATA', /^354 /],
  ] as const) {
    smtp.send(line);
    await expect(re);
  }
  smtp.write(
    'FROM: root@localhost.localdomain\r\nTO: user@mail.server.net\r\nSUBJECT: test mail from test subject\r\n\r\ntest body\r\n.\r\n',
  );
  await expect(/^250 /);
  smtp.send('QUIT');
  await expect(/^221 /);
  smtp.close();
}

/** The article's IMAP session over `openssl s_client -starttls imap`, verbatim: lower-case
 *  `body[header]`, `Inbox`, the tag 004 reused. */
describe('IMAP with openssl s_client -starttls imap (the article session)', () => {
  let sb: Sandbox;

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap'] });
    await sendArticleMail(sb.ports.smtp!);
  });
  after(async () => {
    await sb.close();
  });

  it('LOGIN, CAPABILITY, SELECT Inbox, FETCH body[header], body, body[], LOGOUT', async () => {
    const stored = sb.messages()[0]!.raw;
    const input = [
      '001 LOGIN user@mail.server.net testpass',
      '002 CAPABILITY',
      '003 SELECT Inbox',
      '004 FETCH 1 body[header]',
      '004 FETCH 1 body',
      '004 FETCH 1 body[]',
      '005 LOGOUT',
      '',
    ].join('\n');
    const result = await typedOverStartTls(sb.ports.imap, 'imap', input);
    const out = result.stdout;
    assert.equal(result.code, 0, result.stderr);
    assert.match(out, /^001 OK .*Logged in/m);
    assert.match(out, /^\* CAPABILITY IMAP4rev1 .*AUTH=PLAIN/m);
    assert.doesNotMatch(out.match(/^\* CAPABILITY .*$/m)![0], /STARTTLS/, 'STARTTLS is gone once TLS is up');
    assert.match(out, /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)/m);
    assert.match(out, /^\* 1 EXISTS\r?\n\* 1 RECENT/m);
    assert.match(out, /^\* OK \[UIDVALIDITY \d+\]/m);
    assert.match(out, /^\* OK \[UNSEEN 1\]/m);
    assert.match(out, /^003 OK \[READ-WRITE\]/m);

    const header = stored.subarray(0, stored.indexOf('\r\n\r\n') + 4);
    // body[header] without PEEK sets \Seen and reports it (RFC 3501 §6.4.5); the first SELECT after the
    // delivery has the message \Recent (§2.3.2).
    assert.ok(
      out.includes(
        `* 1 FETCH (BODY[HEADER] {${header.length}}\r\n${header.toString()} FLAGS (\\Seen \\Recent))`,
      ),
      `BODY[HEADER] with the exact header bytes and FLAGS (\\Seen \\Recent) in:\n${out}`,
    );
    assert.match(
      out,
      /^\* 1 FETCH \(BODY \("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" 11 1\)\)/m,
    );
    assert.ok(
      out.includes(`* 1 FETCH (BODY[] {${stored.length}}\r\n${stored.toString()})`),
      'BODY[] is the message as stored',
    );
    assert.equal((out.match(/^004 OK/gm) ?? []).length, 3, 'the reused tag 004 is answered three times');
    assert.match(out, /^\* BYE /m);
    assert.match(out, /^005 OK /m);
    assert.ok(sb.messages()[0]!.flags.has('\\Seen'));

    const sid = sb.transcript.history().find((e) => e.type === 'session-open' && e.proto === 'imap')!.sid;
    const transcript = sb.transcript.text(sid);
    assert.match(
      transcript,
      /C: 001 LOGIN user@mail\.server\.net testpass/,
      'the LOGIN password shows as typed',
    );
    assert.ok(
      sb.transcript.history(sid).some((e) => e.type === 'tls-upgraded' && e.how === 'starttls'),
      'the session went through STARTTLS',
    );
    assert.match(
      transcript,
      new RegExp(`S: \\* 1 FETCH \\(BODY\\[\\] \\{${stored.length}\\} <${stored.length} bytes`),
    );
  });
});
