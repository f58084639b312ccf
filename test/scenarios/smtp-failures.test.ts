import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { certPath } from '../helpers/sandbox.js';
import { firedRules, scenarioSandbox, smtplib } from './support.js';

/** One sandbox per test, closed afterwards whatever happened. */
const open: Sandbox[] = [];
after(() => Promise.all(open.map((s) => s.close())));
async function sandbox(name: string, seed?: number): Promise<Sandbox> {
  const sb = await scenarioSandbox(name, { seed });
  open.push(sb);
  return sb;
}

describe('shipped SMTP failure scenarios, seen by python smtplib', () => {
  it('greylisting: the first attempt gets 451 4.7.1, the retry is accepted', async () => {
    const sb = await sandbox('greylisting');
    const send = `
try:
    s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
    s.sendmail('a@example.test', ['b@example.test'], 'Subject: x\\r\\n\\r\\nx\\r\\n'); s.quit(); report(ok=True)
except Exception as e: report(ok=False, **err(e))`;
    const first = await smtplib(send, sb.ports.smtp!, certPath());
    assert.equal(first.ok, false);
    assert.equal(first.type, 'SMTPRecipientsRefused');
    assert.match(String(first.text), /451.*4\.7\.1 Greylisted/);
    const retry = await smtplib(send, sb.ports.smtp!, certPath());
    assert.equal(retry.ok, true);
    assert.equal(sb.messages().length, 1);
    assert.deepEqual(firedRules(sb), ['greylist-first-attempt']);
  });

  it('mailbox-full: 452 4.2.2 for full*, 552 5.2.2 for gone*, others accepted', async () => {
    const sb = await sandbox('mailbox-full');
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); s.mail('a@example.test')
codes = [s.rcpt(r) for r in ['full@example.test', 'gone@example.test', 'ok@example.test']]
s.quit(); report(codes=[[c, t.decode()] for c, t in codes])`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.deepEqual(result.codes, [
      [452, '4.2.2 Mailbox full, try again later'],
      [552, '5.2.2 Mailbox full'],
      [250, '2.1.5 Accepted'],
    ]);
    assert.deepEqual(firedRules(sb), ['mailbox-full-temporary', 'mailbox-full-permanent']);
  });

  it('message-too-large: SIZE 1000 advertised, a 2000-byte message gets 552', async () => {
    const sb = await sandbox('message-too-large');
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); size = s.esmtp_features.get('size')
try: s.sendmail('a@example.test', ['b@example.test'], 'Subject: big\\r\\n\\r\\n' + 'y' * 2000); report(size=size, ok=True)
except Exception as e: report(size=size, ok=False, **err(e))`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.equal(result.size, '1000');
    assert.equal(result.ok, false);
    assert.match(String(result.text), /552/);
    assert.equal(sb.messages().length, 0);
  });

  it('rate-limit-421: the third message of a client gets 421 4.7.0 and the connection closes', async () => {
    const sb = await sandbox('rate-limit-421');
    const result = await smtplib(
      `
out = []
for i in range(3):
    s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
    try: s.sendmail('a@example.test', ['b@example.test'], 'Subject: %d\\r\\n\\r\\nx\\r\\n' % i); out.append('ok'); s.quit()
    except Exception as e: out.append(err(e))
    try: s.noop(); out.append('still open')
    except Exception as e: out.append(type(e).__name__)
report(out=out)`,
      sb.ports.smtp!,
      certPath(),
    );
    const out = result.out as unknown[];
    assert.equal(out[0], 'ok');
    assert.equal(out[2], 'ok');
    assert.deepEqual((out[4] as { code: number }).code, 421);
    assert.match((out[4] as { text: string }).text, /4\.7\.0 Too many messages/);
    assert.equal(out[5], 'SMTPServerDisconnected');
    assert.equal(sb.messages().length, 2);
    assert.deepEqual(firedRules(sb), ['rate-limit-after-2-messages']);
  });

  it('disconnect-mid-data: FIN after exactly 100 bytes of the message, nothing stored; a shorter message is stored', async () => {
    const sb = await sandbox('disconnect-mid-data');
    const result = await smtplib(
      `
out = []
for body in ['Subject: cut\\r\\n\\r\\n' + ('z' * 70 + '\\r\\n') * 50, 'Subject: s\\r\\n\\r\\nhi\\r\\n']:
    s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
    try: s.sendmail('a@example.test', ['b@example.test'], body); out.append({'ok': True}); s.quit()
    except Exception as e: out.append(dict(ok=False, **err(e)))
report(out=out)`,
      sb.ports.smtp!,
      certPath(),
    );
    const [cut, short] = result.out as Record<string, unknown>[];
    // A FIN: smtplib reads the end of the stream, not ECONNRESET (Errno 104).
    assert.deepEqual(cut, {
      ok: false,
      type: 'SMTPServerDisconnected',
      code: null,
      text: 'Connection unexpectedly closed',
    });
    assert.deepEqual(short, { ok: true });
    assert.equal(sb.messages().length, 1);
    assert.match(sb.messages()[0]!.raw.toString(), /^Subject: s\r\n/);
    assert.deepEqual(firedRules(sb), ['cut-in-data', 'cut-in-data']);
    const history = sb.transcript.history();
    const notes = history.flatMap((e) => (e.type === 'note' ? [e.text] : []));
    assert.ok(
      notes.some((t) => /^scenario rule cut-in-data: message cut after 100 bytes \(\d+ more bytes/.test(t)),
      notes.join('\n'),
    );
    const closes = history.flatMap((e) => (e.type === 'session-close' ? [e.reason] : []));
    assert.equal(closes[0], 'scenario rule cut-in-data: connection cut in DATA after 100 bytes');
  });

  it('greeting-421: the client sees 421 4.3.2 at connect', async () => {
    const sb = await sandbox('greeting-421');
    const result = await smtplib(
      `
try: s = smtplib.SMTP('127.0.0.1', port, timeout=10); report(ok=True)
except Exception as e: report(ok=False, **err(e))`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.equal(result.type, 'SMTPConnectError');
    assert.equal(result.code, 421);
    assert.match(String(result.text), /4\.3\.2 Service not available/);
    assert.deepEqual(firedRules(sb), ['greet-with-421']);
  });

  it('slow-server: greeting and replies come about 1.5 s late', async () => {
    const sb = await sandbox('slow-server');
    const result = await smtplib(
      `
t0 = time.time(); s = smtplib.SMTP('127.0.0.1', port, timeout=10); t1 = time.time(); s.noop(); t2 = time.time(); s.close()
report(greeting=t1 - t0, noop=t2 - t1)`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.ok(Number(result.greeting) >= 1.2 && Number(result.greeting) < 3, `greeting after ${result.greeting} s`);
    // smtplib's connect also sends nothing else: NOOP's reply is delayed by its own rule.
    assert.ok(Number(result.noop) >= 1.2 && Number(result.noop) < 3, `NOOP after ${result.noop} s`);
    assert.deepEqual(firedRules(sb).slice(0, 2), ['tarpit-greeting', 'tarpit-commands']);
  });

  it('auth-always-fails: 535 5.7.8 whatever the password', async () => {
    const sb = await sandbox('auth-always-fails');
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
try: s.login('alice', 'anything'); report(ok=True)
except Exception as e: report(ok=False, **err(e))`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.equal(result.type, 'SMTPAuthenticationError');
    assert.equal(result.code, 535);
    assert.match(String(result.text), /5\.7\.8 Authentication credentials invalid/);
    assert.ok(firedRules(sb).includes('refuse-every-login'));
  });

  it('flaky-10-percent over 60 RCPTs: about one in ten refused with 451, naming the rule', async () => {
    const sb = await sandbox('flaky-10-percent', 7);
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test'); codes = []
for i in range(60):
    c, _ = s.mail('a@example.test')
    if c == 250: codes.append(s.rcpt('r%d@example.test' % i)[0])
    else: codes.append(c)
    s.rset()
s.quit(); report(codes=codes)`,
      sb.ports.smtp!,
      certPath(),
    );
    const codes = result.codes as number[];
    const refused = codes.filter((c) => c === 451).length;
    assert.equal(codes.length, 60);
    assert.ok(refused >= 1 && refused <= 20, `${refused} of 60 refused`);
    assert.equal(firedRules(sb).length, refused);
    assert.ok(firedRules(sb).every((r) => r === 'flaky-mail' || r === 'flaky-rcpt'));
  });
});
