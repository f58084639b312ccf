import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { python, run } from '../helpers/run.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/wait.js';
import { linesOf, startPair, type Pair } from './pair.js';

/** python3's smtplib, imaplib and poplib through the proxy, STARTTLS and implicit TLS, certificates checked. */
const PYTHON = String.raw`
import imaplib, json, poplib, smtplib, ssl, sys
p, ca = json.loads(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
out = {}
s = smtplib.SMTP('127.0.0.1', p['submission']); s.starttls(context=ctx); s.login('py', 'secret')
s.sendmail('py@example.test', ['rcpt@example.test'], 'Subject: via proxy\r\n\r\nhello through the proxy\r\n'); s.quit()
s = smtplib.SMTP_SSL('127.0.0.1', p['smtps'], context=ctx); s.login('py', 'secret')
out['smtps'] = s.sendmail('py@example.test', ['two@example.test'], 'Subject: second\r\n\r\nagain\r\n'); s.quit()
for mode in ('imap', 'imaps'):
    m = imaplib.IMAP4('127.0.0.1', p['imap']) if mode == 'imap' else imaplib.IMAP4_SSL('127.0.0.1', p['imaps'], ssl_context=ctx)
    if mode == 'imap': m.starttls(ssl_context=ctx)
    m.login('py', 'secret'); typ, data = m.select('INBOX')
    typ, data2 = m.fetch('1', '(BODY.PEEK[])')
    out[mode] = [data[0].decode(), data2[0][1].decode()]
    m.logout()
for mode in ('pop3', 'pop3s'):
    c = poplib.POP3('127.0.0.1', p['pop3']) if mode == 'pop3' else poplib.POP3_SSL('127.0.0.1', p['pop3s'], context=ctx)
    if mode == 'pop3': c.stls(context=ctx)
    c.user('py'); c.pass_('secret')
    out[mode] = [c.stat()[0], b'\n'.join(c.retr(1)[1]).decode()]
    c.quit()
print(json.dumps(out))
`;

describe('proxy: real clients on all seven listeners', () => {
  let pair: Pair;
  let recordDir: string;
  before(async () => {
    recordDir = tempDir('mailsandbox-proxy-rec-');
    pair = await startPair({ proxy: { record: recordDir } });
  });
  after(() => pair.close());

  it('python smtplib, imaplib and poplib: STARTTLS and implicit TLS on both legs, the upstream verified', async () => {
    const r = await python(PYTHON, [JSON.stringify(pair.proxy.ports), certPath()]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown[]>;
    assert.deepEqual(out.smtps, {});
    assert.equal(pair.upstream.messages().length, 2);
    assert.match(pair.upstream.messages()[0]!.raw.toString(), /hello through the proxy/);
    for (const mode of ['imap', 'imaps']) {
      assert.equal(out[mode]![0], '2');
      assert.match(String(out[mode]![1]), /hello through the proxy/);
    }
    for (const mode of ['pop3', 'pop3s']) {
      assert.equal(out[mode]![0], 2);
      assert.match(String(out[mode]![1]), /hello through the proxy/);
    }
    const notes = pair.proxy.transcript
      .history()
      .filter((e) => e.type === 'note')
      .map((e) => (e as { text: string }).text);
    assert.ok(
      notes.some((t) => /upstream TLS upgraded \(STARTTLS\).*verified/.test(t)),
      notes.join('\n'),
    );
    assert.ok(notes.some((t) => /upstream TLS established.*verified/.test(t)));
    // AUTH decoded as for the sandbox's own sessions.
    const decoded = pair.proxy.transcript.history().filter((e) => e.type === 'client-line' && e.decoded);
    assert.ok(
      decoded.some((e) => /user="py" (password="secret"|digest=)/.test((e as { decoded: string }).decoded)),
    );
  });

  it('the recordings hold both sides of every proxied session', async () => {
    const read = (ext: string) =>
      readdirSync(recordDir)
        .filter((f) => f.endsWith(ext))
        .map((f) => readFileSync(join(recordDir, f), 'utf8'));
    const smtp = await waitFor(
      () => read('.jsonl').find((t) => /mail FROM:<py@/i.test(t) && t.includes('session-close')),
      'the recorded SMTP session',
    );
    assert.match(smtp, /"type":"client-line".*"line":"MAIL FROM:<py@example.test>/i);
    assert.match(smtp, /"type":"server-line".*"line":"250 2.1.0 Accepted"/);
    const text = read('.txt');
    assert.ok(
      text.some((t) => /C: a\d* FETCH|C: \S+ FETCH 1 \(BODY.PEEK\[\]\)/.test(t) && /S: \* 1 FETCH/.test(t)),
    );
    assert.ok(text.some((t) => /C: RETR 1/.test(t) && /S: \+OK/.test(t)));
  });

  it('swaks on smtp (STARTTLS) and smtps; curl on imap, imaps, pop3, pop3s', async () => {
    const ca = certPath();
    const p = pair.proxy.ports;
    const swaks = (port: number, tls: string[]) =>
      run('swaks', [
        '--server',
        '127.0.0.1',
        '--port',
        String(port),
        ...tls,
        '--tls-ca-path',
        ca,
        '--tls-verify',
        '--auth',
        'LOGIN',
        '--auth-user',
        'sw',
        '--auth-password',
        'pw',
        '--to',
        'sw@example.test',
        '--from',
        'sw@example.test',
      ]);
    for (const [port, tls] of [
      [p.smtp!, '--tls'],
      [p.smtps!, '--tls-on-connect'],
    ] as const) {
      const r = await swaks(port, [tls]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /<[-~] {2}250 2\.6\.0 Ok: queued/);
    }
    const before = pair.upstream.messages().length;
    assert.ok(before >= 2);
    for (const url of [
      `imap://127.0.0.1:${p.imap}/INBOX;UID=1`,
      `imaps://127.0.0.1:${p.imaps}/INBOX;UID=1`,
      `pop3://127.0.0.1:${p.pop3}/1`,
      `pop3s://127.0.0.1:${p.pop3s}/1`,
    ]) {
      const r = await run('curl', ['-sS', '--ssl-reqd', '--cacert', ca, '-u', 'cu:pw', url]);
      assert.equal(r.code, 0, `${url}: ${r.stderr}`);
      assert.match(r.stdout, /Subject: via proxy/, url);
    }
  });

  it('nodemailer (submission, STARTTLS) and imapflow (imaps)', async () => {
    const ca = readFileSync(certPath());
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: pair.proxy.ports.submission,
      requireTLS: true,
      tls: { ca },
      auth: { user: 'nm', pass: 'pw' },
    });
    const info = await transport.sendMail({
      from: 'nm@example.test',
      to: 'x@example.test',
      subject: 'from nodemailer',
      text: 'hi',
    });
    assert.match(info.response, /^250 /);
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: pair.proxy.ports.imaps!,
      secure: true,
      tls: { ca },
      auth: { user: 'flow', pass: 'pw' },
      logger: false,
    });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    const subjects: string[] = [];
    for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
    lock.release();
    await client.logout();
    assert.ok(subjects.includes('from nodemailer'), subjects.join(','));
    assert.ok(linesOf(pair.proxy, 'client-line', 'imap').some((l) => /UID FETCH|FETCH/.test(l)));
  });
});

describe('proxy: a STARTTLS listener in front of an implicit-TLS upstream', () => {
  it('the proxy offers STARTTLS/STLS itself and upgrades the client leg: smtplib, imaplib, poplib', async () => {
    const upstream = await startTestSandbox();
    const implicit = (name: string) => ({
      host: '127.0.0.1',
      port: upstream.ports[name]!,
      tls: 'implicit' as const,
    });
    const proxy = await startTestSandbox({
      proxy: {
        upstreams: { smtp: implicit('smtps'), imap: implicit('imaps'), pop3: implicit('pop3s') },
        upstreamCa: readFileSync(certPath(), 'utf8'),
      },
    });
    try {
      const r = await python(
        String.raw`
import imaplib, json, poplib, smtplib, ssl, sys
p, ca = json.loads(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
s = smtplib.SMTP('127.0.0.1', p['smtp']); s.starttls(context=ctx); s.login('a', 'b')
s.sendmail('a@example.test', ['b@example.test'], 'Subject: own starttls\r\n\r\nhi\r\n'); s.quit()
m = imaplib.IMAP4('127.0.0.1', p['imap']); m.starttls(ssl_context=ctx); m.login('a', 'b')
typ, data = m.select('INBOX'); m.logout()
c = poplib.POP3('127.0.0.1', p['pop3']); c.stls(context=ctx); c.user('a'); c.pass_('b')
print(json.dumps([data[0].decode(), c.stat()[0]])); c.quit()
`,
        [JSON.stringify(proxy.ports), certPath()],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), ['1', 1]);
      const notes = proxy.transcript
        .history()
        .filter((e) => e.type === 'note')
        .map((e) => (e as { text: string }).text);
      assert.equal(
        notes.filter((t) => /proxy added (STARTTLS|STLS) to the upstream's capabilities/.test(t)).length,
        3,
      );
      // The upstream sandbox offers COMPRESS=DEFLATE; the proxy cannot carry a deflated stream.
      assert.ok(notes.some((t) => /proxy removed COMPRESS=DEFLATE from the capabilities/.test(t)));
      // The upstream never saw a STARTTLS: its leg was TLS from the first byte.
      assert.ok(!linesOf(upstream, 'client-line', '').some((l) => /STARTTLS|STLS/i.test(l)));
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
