import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { python } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/**
 * python3's imaplib (a client we did not write): STARTTLS on 143 and IMAP4_SSL on 993, both verifying
 * the sandbox certificate; login, select, search, fetch, store, expunge. The script prints JSON.
 */
const SCRIPT = String.raw`
import imaplib, json, ssl, sys
mode, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
if mode == 'starttls':
    m = imaplib.IMAP4('127.0.0.1', port)
    caps_before = list(m.capabilities)
    m.starttls(ssl_context=ctx)
else:
    m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx)
    caps_before = list(m.capabilities)
out = {'caps_before': caps_before}
out['login'] = m.login('test', 'testpass')[0]
typ, data = m.select('INBOX')
out['exists'] = int(data[0])
typ, data = m.search(None, 'SUBJECT', '"from python"')
out['search'] = data[0].decode()
num = data[0].split()[-1]
typ, data = m.fetch(num, '(UID RFC822.SIZE BODY.PEEK[])')
out['fetch_meta'] = data[0][0].decode()
out['body'] = data[0][1].decode('utf-8')
typ, data = m.search(None, 'UNSEEN')
out['unseen'] = data[0].decode()
typ, data = m.store(num, '+FLAGS', '(\\Deleted \\Seen)')
out['store'] = [d.decode() for d in data]
typ, data = m.search(None, 'DELETED')
out['deleted'] = data[0].decode()
typ, data = m.expunge()
out['expunge'] = [d.decode() for d in data if d]
typ, data = m.select('INBOX')
out['exists_after'] = int(data[0])
m.logout()
print(json.dumps(out))
`;

describe('IMAP with python3 imaplib', () => {
  let sb: Sandbox;

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'imaps'] });
  });
  after(async () => {
    await sb.close();
  });

  for (const mode of ['starttls', 'ssl'] as const) {
    it(`${mode === 'ssl' ? 'IMAP4_SSL on 993' : 'IMAP4.starttls() on 143'}: login, select, search, fetch, store, expunge`, async () => {
      const raw = sampleMessage(`from python ${mode}`);
      assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /);
      const port = mode === 'ssl' ? sb.ports.imaps! : sb.ports.imap!;
      const result = await python(SCRIPT, [mode, String(port), certPath()], 20_000);
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout) as Record<string, unknown>;
      assert.equal(out.login, 'OK');
      assert.equal((out.caps_before as string[]).includes('STARTTLS'), mode === 'starttls');
      assert.equal(out.exists, 1);
      assert.equal(out.search, '1');
      assert.match(
        out.fetch_meta as string,
        new RegExp(`^1 \\(UID \\d+ RFC822\\.SIZE ${raw.length} BODY\\[\\] \\{${raw.length}\\}$`),
      );
      assert.equal(out.body, raw.toString('utf8'));
      assert.equal(out.unseen, '1', 'BODY.PEEK leaves the message unseen');
      // The first SELECT after the delivery: the message is \Recent in this session (RFC 3501 §2.3.2).
      assert.deepEqual(out.store, ['1 (FLAGS (\\Deleted \\Seen \\Recent))']);
      assert.equal(out.deleted, '1');
      assert.deepEqual(out.expunge, ['1']);
      assert.equal(out.exists_after, 0);
      assert.equal(sb.store.maildropNames().length, 1);
      const inbox = await sb.store.folder(sb.store.maildropNames()[0]!, 'INBOX');
      assert.equal(inbox!.messages.length, 0, 'the expunge reached the store');
    });
  }
});
