import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** curl's IMAP client: STARTTLS with --ssl-reqd on imap://, implicit TLS on imaps://, --cacert. */
describe('IMAP with curl', () => {
  let sb: Sandbox;
  const raw = sampleMessage('fetched by curl');

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'imaps'], users: { test: 'testpass' } });
    assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /);
  });
  after(async () => {
    await sb.close();
  });

  async function curl(url: string, ...extra: string[]): Promise<string> {
    const args = ['-sS', '--max-time', '10', '--cacert', certPath(), '-u', 'test:testpass', ...extra, url];
    const result = await run('curl', args, { timeoutMs: 15_000 });
    assert.equal(result.code, 0, `curl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }
  const urls = {
    imap: (path: string) => `imap://127.0.0.1:${sb.ports.imap}/${path}`,
    imaps: (path: string) => `imaps://127.0.0.1:${sb.ports.imaps}/${path}`,
  };
  const modes = [
    ['imap', ['--ssl-reqd']],
    ['imaps', []],
  ] as const;
  const lastAuth = () =>
    sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .at(-1);

  for (const [scheme, extra] of modes) {
    it(`${scheme}: lists the mailboxes`, async () => {
      const listing = await curl(urls[scheme](''), ...extra);
      for (const name of ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk'])
        assert.match(listing, new RegExp(`^\\* LIST \\([^)]*\\) "/" "?${name}"?\\r?$`, 'm'));
      assert.match(listing, /^\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent"/m);
      const sid = lastAuth()!.sid;
      const how = scheme === 'imap' ? 'starttls' : 'implicit';
      assert.ok(sb.transcript.history(sid).some((e) => e.type === 'tls-upgraded' && e.how === how));
    });

    it(`${scheme}: fetches ;UID=1 byte for byte`, async () => {
      const body = await curl(urls[scheme]('INBOX;UID=1'), ...extra);
      assert.equal(body, raw.toString('utf8'));
    });
  }

  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
    it(`logs in with AUTH=${mechanism} and the exchange is decoded in the transcript`, async () => {
      await curl(urls.imap('INBOX;UID=1'), '--ssl-reqd', '--login-options', `AUTH=${mechanism}`);
      const auth = lastAuth();
      assert.ok(auth?.type === 'auth');
      assert.equal(auth.mechanism, mechanism);
      assert.equal(auth.username, 'test');
      assert.equal(auth.ok, true);
      const decoded = sb.transcript
        .history(auth.sid)
        .filter((e) => e.type === 'client-line' && e.decoded)
        .map((e) => (e.type === 'client-line' ? e.decoded : ''));
      assert.ok(
        decoded.some((d) => /user="test"/.test(d!)),
        `decoded payloads: ${decoded.join(' | ')}`,
      );
    });
  }

  it('uploads a message with -T into Sent (APPEND) over imaps', async () => {
    const file = join(tempDir(), 'upload.eml');
    const upload =
      'From: test@example.test\r\nTo: b@example.test\r\nSubject: uploaded by curl\r\n\r\nhi there\r\n';
    writeFileSync(file, upload);
    await curl(urls.imaps('Sent'), '-T', file);
    const sent = await sb.store.folder(sb.store.maildropNames()[0]!, 'Sent');
    assert.equal(sent!.messages.at(-1)!.raw.toString('utf8'), upload);
    // And it comes back over STARTTLS.
    const body = await curl(urls.imap(`Sent;UID=${sent!.messages.at(-1)!.uid}`), '--ssl-reqd');
    assert.equal(body, upload);
    assert.ok(
      sb.transcript
        .history()
        .some(
          (e) => e.type === 'client-line' && /^\{\d+ bytes literal\} "From: test@example.test"$/.test(e.line),
        ),
      'the uploaded literal is summarised in the transcript',
    );
  });

  it('refuses a wrong password with a NO that curl reports', async () => {
    const result = await run(
      'curl',
      ['-sS', '--max-time', '10', '--cacert', certPath(), '-u', 'test:nope', urls.imaps('')],
      {
        timeoutMs: 15_000,
      },
    );
    assert.notEqual(result.code, 0);
    assert.equal(lastAuth()!.type === 'auth' && lastAuth()!.ok, false);
  });
});
