import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../src/index.js';
import { ok, run, signedIn } from '../helpers/imap.js';
import type { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

/** Ten messages of 1–6 KiB with CRLF line ends (smtplib sends bytes as they are), lines starting with
 *  a dot (stuffed on the wire both ways) and 8-bit bytes. */
function messages(): Buffer[] {
  return Array.from({ length: 10 }, (_, n) => {
    const lines = [
      `From: sender${n}@example.test`,
      'To: reader@example.test',
      `Subject: body on disk ${n}`,
      `Message-ID: <disk-${n}@example.test>`,
      '',
    ];
    for (let i = 0; i < 16 + n * 8; i++)
      lines.push(`${i % 7 === 0 ? '.' : ''}line ${i} of ${n} `.padEnd(70, 'x'));
    lines.push('8-bit: \u00e9t\u00e9', '');
    return Buffer.from(lines.join('\r\n'), 'utf8');
  });
}

/** Sends the files given (if any) with smtplib, then reads every body with imaplib (UID FETCH
 *  BODY.PEEK[], RFC822.SIZE) and poplib (RETR); prints them base64-encoded as JSON. */
const CLIENT = `
import base64, imaplib, json, poplib, re, smtplib, sys
smtp_port, imap_port, pop3_port = (int(p) for p in sys.argv[1:4])
if smtp_port:
    with smtplib.SMTP('127.0.0.1', smtp_port) as s:
        for path in sys.argv[4:]:
            s.sendmail('sender@example.test', ['reader@example.test'], open(path, 'rb').read())
m = imaplib.IMAP4('127.0.0.1', imap_port)
m.login('reader', 'secret')
m.select('INBOX', readonly=True)
typ, data = m.uid('FETCH', '1:*', '(RFC822.SIZE BODY.PEEK[])')
imap = []
for item in data:
    if isinstance(item, tuple):
        size = int(re.search(rb'RFC822.SIZE (\\d+)', item[0]).group(1))
        imap.append({'size': size, 'body': base64.b64encode(item[1]).decode()})
m.logout()
p = poplib.POP3('127.0.0.1', pop3_port)
p.user('reader'); p.pass_('secret')
pop = []
for i in range(len(p.list()[1])):
    lines = p.retr(i + 1)[1]
    pop.append(base64.b64encode(b'\\r\\n'.join(lines) + b'\\r\\n').decode())
p.quit()
print(json.dumps({'imap': imap, 'pop': pop}))
`;

async function readAll(
  sb: Sandbox,
  send: string[] = [],
): Promise<{ imap: { size: number; body: Buffer }[]; pop: Buffer[] }> {
  const ports = [send.length ? sb.ports.smtp! : 0, sb.ports.imap!, sb.ports.pop3!].map(String);
  const result = await python(CLIENT, [...ports, ...send]);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as { imap: { size: number; body: string }[]; pop: string[] };
  return {
    imap: parsed.imap.map((m) => ({ size: m.size, body: Buffer.from(m.body, 'base64') })),
    pop: parsed.pop.map((b) => Buffer.from(b, 'base64')),
  };
}

describe('Maildir store: bodies stay on disk, read through a small cache', () => {
  const dir = tempDir();
  let sb: Sandbox | null = null;
  after(() => sb?.close());

  it('serves byte-for-byte bodies over IMAP and POP3 with most bodies out of the cache, and after a restart', async () => {
    const mail = messages();
    const files = mail.map((m, i) => {
      const path = join(dir, `message-${i}.eml`);
      writeFileSync(path, m);
      return path;
    });
    const maildir = join(dir, 'mail');
    // 8 KiB: one or two of the ten messages at a time.
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'pop3'], maildir, bodyCacheBytes: 8192 });
    const first = await readAll(sb, files);
    assert.deepEqual(
      first.imap.map((m) => m.size),
      mail.map((m) => m.length),
    );
    first.imap.forEach((m, i) => assert.ok(m.body.equals(mail[i]!), `IMAP body ${i}`));
    first.pop.forEach((m, i) => assert.ok(m.equals(mail[i]!), `POP3 body ${i}`));

    // The body of the first message has left the cache: change a byte of its file behind the store's
    // back and the next read shows it (a store that kept the body in memory would not).
    const cur = join(maildir, 'shared', 'cur');
    const file = join(cur, readdirSync(cur).sort()[0]!);
    const changed = Buffer.from(readFileSync(file));
    changed[changed.length - 3] = 0x21; // the last byte of 'é' on the 8-bit line, now '!'
    writeFileSync(file, changed);
    const again = await readAll(sb);
    assert.ok(again.imap[0]!.body.equals(changed), 'IMAP reads the file again');
    assert.ok(again.pop[0]!.equals(changed), 'POP3 reads the file again');
    writeFileSync(file, mail[0]!);
    await sb.close();

    sb = await startTestSandbox({ listeners: ['imap', 'pop3'], maildir, bodyCacheBytes: 8192 });
    const restarted = await readAll(sb);
    assert.equal(restarted.imap.length, mail.length);
    restarted.imap.forEach((m, i) => {
      assert.equal(m.size, mail[i]!.length);
      assert.ok(m.body.equals(mail[i]!), `IMAP body ${i} after the restart`);
    });
    restarted.pop.forEach((m, i) => assert.ok(m.equals(mail[i]!), `POP3 body ${i} after the restart`));
  });

  it('a FETCH of a message another session expunged answers NO [EXPUNGEISSUED] once its file is gone', async () => {
    const clients: RawClient[] = [];
    const box = await startTestSandbox({ listeners: ['imap'], maildir: tempDir(), bodyCacheBytes: 0 });
    try {
      const a = await signedIn(box.ports.imap!, clients);
      await ok(a, 'a', 'APPEND INBOX {19+}\r\nSubject: gone\r\n\r\nhi');
      await ok(a, 's', 'SELECT INBOX');
      const b = await signedIn(box.ports.imap!, clients, 'INBOX');
      await ok(b, 'd', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
      await ok(b, 'e', 'EXPUNGE');
      // RFC 2180 §4.1.2: FETCH does not announce the EXPUNGE, so session a still has message 1.
      const fetch = await run(a, 'f', 'FETCH 1 BODY.PEEK[]');
      assert.match(fetch.at(-1)!, /^f NO \[EXPUNGEISSUED\] message \w+ \(UID 1\) was expunged$/);
      assert.ok((await ok(a, 'n', 'NOOP')).includes('* 1 EXPUNGE'));
    } finally {
      for (const c of clients) c.close();
      await box.close();
    }
  });

  it('POP3 LIST gives the CRLF size of a file with bare LF line ends, the octets RETR sends', async () => {
    const maildir = join(tempDir(), 'mail');
    mkdirSync(join(maildir, 'shared', 'new'), { recursive: true });
    const text = 'Subject: lf\n\n.dot line\nsecond line\n'.repeat(40);
    for (let i = 0; i < 3; i++) writeFileSync(join(maildir, 'shared', 'new', `lf-${i}`), text);
    const box = await startTestSandbox({ listeners: ['pop3'], maildir, bodyCacheBytes: 0 });
    try {
      const result = await python(
        `
import json, poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1]))
p.user('reader'); p.pass_('secret')
sizes = [int(l.split()[1]) for l in p.list()[1]]
sent = [len(b'\\r\\n'.join(p.retr(i + 1)[1]) + b'\\r\\n') for i in range(len(sizes))]
p.quit()
print(json.dumps({'sizes': sizes, 'sent': sent}))
`,
        [String(box.ports.pop3!)],
      );
      assert.equal(result.code, 0, result.stderr);
      const crlf = Buffer.byteLength(text.replace(/\n/g, '\r\n'));
      assert.deepEqual(JSON.parse(result.stdout), { sizes: [crlf, crlf, crlf], sent: [crlf, crlf, crlf] });
    } finally {
      await box.close();
    }
  });
});
