import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { firedRules, PYTHON, smtplib } from './support.js';

/** Client-triggered faults: the address or login picks the failure, no scenario needed (issue 17). */
describe('client-triggered faults', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'pop3'] });
  });
  after(() => sb.close());

  const swaks = (to: string, from = 'alice@x.test') =>
    run('swaks', ['--server', '127.0.0.1', '--port', String(sb.ports.smtp), '--from', from, '--to', to], {
      timeoutMs: 20_000,
    });

  test('swaks to fail-rcpt-452@x.test gets 452 at RCPT; a normal address on the same server gets 250', async () => {
    const failed = await swaks('fail-rcpt-452@x.test');
    assert.match(failed.stdout, /<\*\* 452 4\.0\.0 Client-triggered failure \(fail-rcpt-452\)/);
    // A 354 reply line, not any "354" (the random port can hold one).
    assert.doesNotMatch(failed.stdout, /<- +354 /);
    const ok = await swaks('bob@x.test');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /<- {2}250 .*queued|<- {2}250/);
    assert.ok(firedRules(sb).includes('client-triggered: fail-rcpt-452'));
  });

  test('smtplib: MAIL, RCPT with an enhanced code, DATA after the dot, 421 closes, slow and drop', async () => {
    const result = await smtplib(
      `
out = {}
def attempt(name, sender, rcpts):
    s = smtplib.SMTP('127.0.0.1', port, timeout=10)
    start = time.time()
    try:
        s.sendmail(sender, rcpts, 'Subject: t\\r\\n\\r\\nbody\\r\\n')
        out[name] = {'ok': True, 'secs': time.time() - start}
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
        out[name] = {'code': code, 'text': text.decode(), 'secs': time.time() - start}
    except smtplib.SMTPResponseException as e:
        out[name] = {'code': e.smtp_code, 'text': e.smtp_error.decode(), 'secs': time.time() - start}
    except (smtplib.SMTPServerDisconnected, ConnectionError) as e:
        out[name] = {'disconnected': True, 'secs': time.time() - start}
    try: s.quit()
    except Exception: pass
attempt('mail', 'fail-mail-550-5.7.1@x.test', ['bob@x.test'])
attempt('rcpt', 'alice@x.test', ['fail-rcpt-550-5.1.1+t1@x.test'])
attempt('data', 'alice@x.test', ['bob@x.test', 'fail-data-554@x.test'])
attempt('rcpt421', 'alice@x.test', ['fail-rcpt-421@x.test'])
attempt('slow', 'alice@x.test', ['slow-rcpt-1200@x.test'])
attempt('drop', 'alice@x.test', ['drop-rcpt@x.test'])
report(**out)
`,
      sb.ports.smtp!,
      certPath(),
      60_000,
    );
    const r = result as Record<string, { code?: number; text?: string; ok?: boolean; secs: number; disconnected?: boolean }>;
    assert.equal(r.mail!.code, 550);
    assert.match(r.mail!.text!, /^5\.7\.1 Client-triggered failure \(fail-mail-550-5\.7\.1\)/);
    assert.equal(r.rcpt!.code, 550);
    assert.match(r.rcpt!.text!, /^5\.1\.1 /);
    assert.equal(r.data!.code, 554, JSON.stringify(r.data));
    assert.equal(r.rcpt421!.code, 421);
    assert.equal(r.slow!.ok, true);
    assert.ok(r.slow!.secs >= 1.1, `slow-rcpt-1200 answered after ${r.slow!.secs} s`);
    assert.equal(r.drop!.disconnected, true, JSON.stringify(r.drop));
    // The message refused after the final dot was not stored; the slow one was.
    const stored = sb.messages().map((m) => m.envelope?.rcptTo.join(',') ?? '');
    assert.ok(!stored.some((to) => to.includes('fail-data-554')));
    assert.ok(stored.some((to) => to.includes('slow-rcpt-1200@x.test')));
  });

  test('imaplib: fail-login-no gets NO [AUTHENTICATIONFAILED], fail-login-bye BYE, fail-select-no the first SELECT only', async () => {
    const script = `
import imaplib, json, sys
port = int(sys.argv[1]); out = {}
c = imaplib.IMAP4('127.0.0.1', port)
try:
    c.login('fail-login-no', 'pw'); out['no'] = 'ok'
except imaplib.IMAP4.error as e:
    out['no'] = str(e)
c.logout()
c = imaplib.IMAP4('127.0.0.1', port)
try:
    c.login('fail-login-bye@x.test', 'pw'); out['bye'] = 'ok'
except imaplib.IMAP4.abort as e:
    out['bye'] = 'abort: ' + str(e)
c = imaplib.IMAP4('127.0.0.1', port)
c.login('fail-select-no', 'pw')
out['select1'] = c.select('INBOX')[0]
out['select2'] = c.select('INBOX')[0]
c.logout()
print(json.dumps(out))
`;
    const res = await run(PYTHON, ['-c', script, String(sb.ports.imap)], { timeoutMs: 30_000 });
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>;
    assert.match(out.no!, /AUTHENTICATIONFAILED/, res.stderr);
    assert.match(out.bye!, /^abort: .*Client-triggered failure \(fail-login-bye\)/);
    assert.equal(out.select1, 'NO');
    assert.equal(out.select2, 'OK');
  });

  test('poplib: fail-pass-err gets -ERR [AUTH] at PASS; fail-retr-err fails the first RETR only', async () => {
    await sb.store.append(sb.store.maildropFor('anyone'), 'INBOX', Buffer.from('Subject: x\r\n\r\nhello\r\n'));
    const script = `
import poplib, json, sys
port = int(sys.argv[1]); out = {}
p = poplib.POP3('127.0.0.1', port)
p.user('fail-pass-err')
try:
    p.pass_('pw'); out['pass'] = 'ok'
except poplib.error_proto as e:
    out['pass'] = e.args[0].decode()
p.quit()
p = poplib.POP3('127.0.0.1', port)
p.user('fail-retr-err'); p.pass_('pw')
try:
    p.retr(1); out['retr1'] = 'ok'
except poplib.error_proto as e:
    out['retr1'] = e.args[0].decode()
out['retr2'] = p.retr(1)[0].decode()
p.quit()
print(json.dumps(out))
`;
    const res = await run(PYTHON, ['-c', script, String(sb.ports.pop3)], { timeoutMs: 30_000 });
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>;
    assert.match(out.pass!, /^-ERR \[AUTH\] Client-triggered failure \(fail-pass-err\)/, res.stderr);
    assert.match(out.retr1!, /^-ERR Client-triggered failure \(fail-retr-err\)/);
    assert.match(out.retr2!, /^\+OK/);
  });
});

describe('client-triggered faults switched off', () => {
  test('triggers: false (the --no-triggers option) and a scenario saying triggers: false accept the address', async () => {
    const scenario = { ...(await loadScenario('accept-all')), triggers: false };
    for (const options of [{ triggers: false }, { scenario }]) {
      const sb = await startTestSandbox({ listeners: ['smtp'], ...options });
      try {
        const res = await run(
          'swaks',
          ['--server', '127.0.0.1', '--port', String(sb.ports.smtp), '--to', 'fail-rcpt-452@x.test'],
          { timeoutMs: 20_000 },
        );
        assert.equal(res.code, 0, res.stdout);
        assert.equal(sb.messages().length, 1);
        assert.deepEqual(firedRules(sb), []);
      } finally {
        await sb.close();
      }
    }
  });
});
