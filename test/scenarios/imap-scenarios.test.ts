import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { firedRules, messageOf, PYTHON } from './support.js';

/**
 * The shipped IMAP scenarios and the per-protocol auth/TLS policies, seen by python3's imaplib (a
 * client we did not write) or, for IDLE, by a raw client: each failure exactly as a user would meet
 * it, and the transcript naming the rule that caused it.
 */

const open: Sandbox[] = [];
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(open.map((s) => s.close()));
});

async function sandbox(name: string): Promise<Sandbox> {
  const sb = await startTestSandbox({ listeners: ['imap', 'imaps'], scenario: await loadScenario(name) });
  open.push(sb);
  return sb;
}

/** Puts a message of about `bytes` bytes into `user`'s INBOX, as delivered mail would be. */
async function seed(sb: Sandbox, bytes: number, user = 'test'): Promise<string> {
  const raw = messageOf(bytes, 'seeded');
  await sb.store.append(sb.store.maildropFor(user), 'INBOX', Buffer.from(raw));
  return raw;
}

/**
 * Runs an imaplib script: `port` and `cafile` are defined, `tls()` gives a verifying context, and
 * `report(**kw)` prints the result as JSON, which is returned parsed.
 */
async function imaplib(body: string, port: number, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const script = [
    'import imaplib, json, ssl, sys, time',
    'port = int(sys.argv[1]); cafile = sys.argv[2]',
    'def report(**kw): print(json.dumps(kw)); sys.stdout.flush()',
    'def tls(): return ssl.create_default_context(cafile=cafile)',
    'def text(v): return [x.decode() if isinstance(x, bytes) else x for x in v]',
    body,
  ].join('\n');
  const result = await run(PYTHON, ['-c', script, String(port), certPath()], { timeoutMs });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`python failed (code ${result.code}): ${result.stderr || result.stdout}`);
  }
}

function notes(sb: Sandbox): string[] {
  return sb.transcript
    .history()
    .filter((e) => e.type === 'note')
    .map((e) => (e.type === 'note' ? e.text : ''));
}

function actions(sb: Sandbox): string[] {
  return sb.transcript
    .history()
    .filter((e) => e.type === 'scenario-action')
    .map((e) => (e.type === 'scenario-action' ? `${e.proto} ${e.rule}: ${e.action}` : ''));
}

/** A raw client logged in, INBOX selected, in IDLE (`a3`). */
async function idleInInbox(sb: Sandbox): Promise<RawClient> {
  const c = await RawClient.connect(sb.ports.imap!);
  clients.push(c);
  await c.readUntil(/^\* OK/);
  c.send('a1 LOGIN test testpass');
  await c.readUntil(/^a1 OK/);
  c.send('a2 SELECT INBOX');
  await c.readUntil(/^a2 OK/);
  c.send('a3 IDLE');
  await c.readUntil(/^\+ /);
  return c;
}

describe('shipped IMAP scenarios with real clients', () => {
  it('imap-alert-on-login: LOGIN succeeds and imaplib receives the [ALERT] text', async () => {
    const sb = await sandbox('imap-alert-on-login');
    const r = await imaplib(
      `
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
typ, data = m.login('test', 'testpass')
# imaplib keeps the code under its name (empty data) and the whole text under OK.
ok = [x for x in text(m.response('OK')[1]) if x.startswith('[ALERT]')]
alert = m.response('ALERT')[0]
m.logout()
report(login=typ, ok=ok, alert=alert)`,
      sb.ports.imaps!,
    );
    assert.equal(r.login, 'OK');
    assert.equal(r.alert, 'ALERT');
    assert.deepEqual(r.ok, ['[ALERT] Your password expires in 3 days']);
    assert.deepEqual(firedRules(sb), ['alert-on-login']);
    assert.deepEqual(actions(sb), [
      'imap alert-on-login: command LOGIN: ALERT [ALERT] Your password expires in 3 days',
    ]);
  });

  it('imap-slow-fetch: FETCH answers 3 s late, then at 2000 bytes/s, with the message intact', async () => {
    const sb = await sandbox('imap-slow-fetch');
    const raw = await seed(sb, 4000);
    const r = await imaplib(
      `
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
m.login('test', 'testpass'); m.select('INBOX')
start = time.monotonic()
typ, data = m.fetch('1', '(BODY.PEEK[])')
elapsed = time.monotonic() - start
m.logout()
report(typ=typ, body=data[0][1].decode(), elapsed=elapsed)`,
      sb.ports.imaps!,
    );
    assert.equal(r.typ, 'OK');
    assert.equal(r.body, raw);
    // 3 s delay, then about 4 KB (plus TLS framing) at 2000 bytes/s: at least ~2 s more.
    const elapsed = r.elapsed as number;
    assert.ok(elapsed >= 4.5, `FETCH took ${elapsed.toFixed(2)} s, expected >= 4.5 s`);
    assert.ok(elapsed < 12, `FETCH took ${elapsed.toFixed(2)} s`);
    assert.deepEqual(firedRules(sb), ['slow-fetch']);
    assert.match(actions(sb)[0]!, /fetch FETCH: throttle to 2000 bytes\/s after 3000 ms/);
  });

  it('imap-bye-during-idle: two seconds into IDLE the client gets * BYE and the connection closes', async () => {
    const sb = await sandbox('imap-bye-during-idle');
    const c = await idleInInbox(sb);
    const idleAt = Date.now();
    const lines = await c.readUntil(/^\* BYE/, 6_000);
    const waited = Date.now() - idleAt;
    assert.equal(lines.at(-1), '* BYE Server shutting down for maintenance');
    assert.ok(waited >= 1_800 && waited < 5_000, `BYE after ${waited} ms`);
    await c.waitClosed();
    assert.deepEqual(firedRules(sb), ['bye-in-idle']);
    // No tagged reply follows the BYE.
    assert.ok(!sb.transcript.history().some((e) => e.type === 'server-line' && e.line.startsWith('a3 ')));
  });

  it('imap-bye-during-idle: a client that leaves IDLE before the two seconds gets no BYE', async () => {
    const sb = await sandbox('imap-bye-during-idle');
    const c = await idleInInbox(sb);
    c.send('DONE');
    await c.readUntil(/^a3 OK/);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    c.send('a4 NOOP');
    const lines = await c.readUntil(/^a4 /);
    assert.equal(lines.at(-1), 'a4 OK NOOP completed');
    assert.ok(!lines.some((l) => l.startsWith('* BYE')));
  });

  it('imap-uidvalidity-change: the second SELECT finds a new UIDVALIDITY, a second client sees it too', async () => {
    const sb = await sandbox('imap-uidvalidity-change');
    await seed(sb, 300);
    const r = await imaplib(
      `
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
m.login('test', 'testpass')
m.select('INBOX'); first = m.response('UIDVALIDITY')[1][0].decode()
m.select('INBOX'); second = m.response('UIDVALIDITY')[1][0].decode()
m.logout()
n = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
n.login('test', 'testpass'); n.select('INBOX'); other = n.response('UIDVALIDITY')[1][0].decode()
n.logout()
report(first=first, second=second, other=other)`,
      sb.ports.imaps!,
    );
    assert.notEqual(r.second, r.first);
    // A new value from the store's counter (RFC 3501 §2.3.1.1: it only grows).
    assert.ok(Number(r.second) > Number(r.first), `${String(r.second)} > ${String(r.first)}`);
    assert.equal(r.other, r.second);
    assert.deepEqual(firedRules(sb), ['new-uidvalidity-on-reselect']);
  });
});

describe('IMAP auth and TLS policies from scenarios', () => {
  it('auth-only-after-tls: LOGINDISABLED and no AUTH= before STARTTLS, LOGIN refused, works after it', async () => {
    const sb = await sandbox('auth-only-after-tls');
    const r = await imaplib(
      `
m = imaplib.IMAP4('127.0.0.1', port)
before = sorted(m.capabilities)
try: m.login('test', 'testpass'); plain = 'OK'
except imaplib.IMAP4.error as e: plain = str(e)
try: m.authenticate('PLAIN', lambda _: b'\\0test\\0testpass'); sasl = 'OK'
except imaplib.IMAP4.error as e: sasl = str(e)
m.starttls(ssl_context=tls())
after = sorted(m.capabilities)
typ, _ = m.login('test', 'testpass')
m.logout()
report(before=before, plain=plain, sasl=sasl, after=after, login=typ)`,
      sb.ports.imap!,
    );
    const before = r.before as string[];
    assert.ok(before.includes('LOGINDISABLED') && before.includes('STARTTLS'));
    assert.ok(!before.some((c) => c.startsWith('AUTH=')), before.join(' '));
    assert.match(r.plain as string, /PRIVACYREQUIRED/);
    assert.match(r.sasl as string, /PRIVACYREQUIRED/);
    const after = r.after as string[];
    assert.ok(!after.includes('LOGINDISABLED') && after.includes('AUTH=PLAIN'), after.join(' '));
    assert.equal(r.login, 'OK');
  });

  it('scram-only: LOGINDISABLED on every port and LOGIN refused as Dovecot refuses it; SCRAM works', async () => {
    const sb = await sandbox('scram-only');
    const r = await imaplib(
      `
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
caps = sorted(m.capabilities)
try: m.login('alice', 'wonderland'); plain = 'OK'
except imaplib.IMAP4.error as e: plain = str(e)
m.logout()
report(caps=caps, plain=plain)`,
      sb.ports.imaps!,
    );
    const caps = r.caps as string[];
    assert.ok(caps.includes('LOGINDISABLED') && caps.includes('AUTH=SCRAM-SHA-256'), caps.join(' '));
    assert.match(r.plain as string, /\[ALERT\] Unsupported authentication mechanism\./);
    const notes = sb.transcript.history().flatMap((e) => (e.type === 'note' ? [e.text] : []));
    assert.ok(
      notes.includes(
        'scenario scram-only: LOGIN refused: it is SASL PLAIN, which is not accepted (SCRAM-SHA-256, SCRAM-SHA-1)',
      ),
      notes.join('\n'),
    );
    const auths = sb.transcript.history().flatMap((e) => (e.type === 'auth' ? [`${e.mechanism} ${e.ok}`] : []));
    assert.deepEqual(auths, ['IMAP LOGIN false']);
    const plainOnly = await sandbox('plain-only');
    const ok = await imaplib(
      `
m = imaplib.IMAP4('127.0.0.1', port)
typ, _ = m.login('alice', 'wonderland'); m.logout(); report(typ=typ, caps=sorted(m.capabilities))`,
      plainOnly.ports.imap!,
    );
    assert.equal(ok.typ, 'OK');
    assert.ok(!(ok.caps as string[]).includes('LOGINDISABLED'));
  });

  it('starttls-refused: STARTTLS is advertised, answered NO [UNAVAILABLE], and the session carries on', async () => {
    const sb = await sandbox('starttls-refused');
    const r = await imaplib(
      `
m = imaplib.IMAP4('127.0.0.1', port)
caps = list(m.capabilities)
typ, data = m._simple_command('STARTTLS')
refused = [typ, text(data)]
try: m.starttls(ssl_context=tls()); tls_ok = True
except imaplib.IMAP4.error as e: tls_ok = str(e)
typ, _ = m.login('test', 'testpass')
m.logout()
report(caps=caps, refused=refused, tls_ok=tls_ok, login=typ)`,
      sb.ports.imap!,
    );
    assert.ok((r.caps as string[]).includes('STARTTLS'));
    assert.deepEqual(r.refused, ['NO', ['[UNAVAILABLE] TLS not available due to temporary reason']]);
    assert.match(String(r.tls_ok), /Couldn't establish TLS session/);
    assert.equal(r.login, 'OK');
    assert.ok(notes(sb).includes('scenario: STARTTLS refused'));
  });

  it('starttls-handshake-abort: STARTTLS is answered OK, then the handshake fails', async () => {
    const sb = await sandbox('starttls-handshake-abort');
    const r = await imaplib(
      `
m = imaplib.IMAP4('127.0.0.1', port)
try: m.starttls(ssl_context=tls()); result = 'OK'
except Exception as e: result = type(e).__name__
report(result=result)`,
      sb.ports.imap!,
    );
    assert.notEqual(r.result, 'OK');
    assert.ok(notes(sb).includes('scenario: STARTTLS accepted, the handshake will be aborted'));
  });

  it('plain-only: CAPABILITY lists AUTH=PLAIN only, PLAIN works, CRAM-MD5 gets NO [CANNOT]', async () => {
    const sb = await sandbox('plain-only');
    const r = await imaplib(
      `
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
auth = [c for c in m.capabilities if c.startswith('AUTH=')]
try: m.login_cram_md5('test', 'testpass'); cram = 'OK'
except imaplib.IMAP4.error as e: cram = str(e)
typ, _ = m.authenticate('PLAIN', lambda _: b'\\0test\\0testpass')
m.logout()
report(auth=auth, cram=cram, plain=typ)`,
      sb.ports.imaps!,
    );
    assert.deepEqual(r.auth, ['AUTH=PLAIN']);
    assert.match(r.cram as string, /\[CANNOT\] mechanism CRAM-MD5 is not supported/);
    assert.equal(r.plain, 'OK');
  });

  it('no-starttls: STARTTLS is not advertised and the command gets BAD', async () => {
    const sb = await sandbox('no-starttls');
    const r = await imaplib(
      `
m = imaplib.IMAP4('127.0.0.1', port)
caps = list(m.capabilities)
try: m._simple_command('STARTTLS'); reply = 'OK'
except imaplib.IMAP4.error as e: reply = str(e)
report(caps=caps, reply=reply)`,
      sb.ports.imap!,
    );
    assert.ok(!(r.caps as string[]).includes('STARTTLS'));
    assert.equal(r.reply, "STARTTLS command error: BAD [b'STARTTLS is not offered on this port']");
  });
});

describe('shipped multi-protocol scenarios on IMAP', () => {
  it('auth-always-fails: imaplib LOGIN gets NO [AUTHENTICATIONFAILED] from the rule', async () => {
    const sb = await sandbox('auth-always-fails');
    const r = await imaplib(
      `
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls())
try: m.login('test', 'testpass'); result = 'OK'
except imaplib.IMAP4.error as e: result = str(e)
report(result=result)`,
      sb.ports.imaps!,
    );
    assert.match(r.result as string, /\[AUTHENTICATIONFAILED\] Authentication failed/);
    assert.deepEqual(firedRules(sb), ['refuse-every-login']);
  });

  it('greeting-421: imaplib meets * BYE instead of a greeting', async () => {
    const sb = await sandbox('greeting-421');
    const r = await imaplib(
      `
try: imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=tls()); result = 'OK'
except Exception as e: result = type(e).__name__ + ': ' + str(e)
report(result=result)`,
      sb.ports.imaps!,
    );
    assert.match(r.result as string, /Service not available/);
    assert.deepEqual(firedRules(sb), ['greet-with-bye']);
  });
});
