import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { loadScenario, parseScenario } from '../../src/scenario/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { firedRules, messageOf, PYTHON } from './support.js';

/**
 * Every IMAP rendering of a verdict and of the per-protocol settings, seen on the wire by a raw client:
 * greeting text, CAPABILITY edits, tagged NO/BAD, unsolicited EXPUNGE, refusal at `auth`, a cut reply,
 * a BYE greeting; and a scenario's own users table checked by a CRAM-MD5 login from imaplib.
 */

const RULES = `
description: imap rules
imap:
  greeting: Dovecot ready.
  capabilities: { add: [XLIST], remove: [IDLE] }
  rules:
    - name: quota
      when: { command: CREATE }
      no: { code: OVERQUOTA, text: Quota exceeded }
    - name: refuse-noop
      when: { command: NOOP, nth: 1 }
      bad: { text: Not now }
    - name: vanish
      when: { command: NOOP, nth: 2 }
      expunge: true
    - name: bob-locked
      when: { point: auth, user: bob }
      no: { code: CONTACTADMIN, text: Account locked }
    - name: cut-fetch
      when: { command: FETCH }
      cut: { afterBytes: 100 }
`;

const open: Sandbox[] = [];
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(open.map((s) => s.close()));
});

async function sandbox(text: string): Promise<Sandbox> {
  const scenario = await parseScenario(text, { label: 'inline.yaml', name: 'inline' });
  const sb = await startTestSandbox({ listeners: ['imap'], scenario });
  open.push(sb);
  return sb;
}

async function connect(sb: Sandbox): Promise<{ c: RawClient; greeting: string }> {
  const c = await RawClient.connect(sb.ports.imap!);
  clients.push(c);
  return { c, greeting: await c.readLine() };
}

async function command(c: RawClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

/** The server lines and notes after the client line starting with `command`, as `S: …` / `N: …`. */
function linesAfter(history: ReturnType<Sandbox['transcript']['history']>, command: string): string[] {
  const from = history.findIndex((e) => e.type === 'client-line' && e.line.startsWith(command));
  assert.ok(from >= 0, `${command} was sent`);
  return history.slice(from + 1).flatMap((e) => {
    if (e.type === 'server-line') return [`S: ${e.line}`];
    if (e.type === 'note') return [`N: ${e.text}`];
    return [];
  });
}

async function seed(sb: Sandbox, count: number): Promise<void> {
  for (let i = 1; i <= count; i++)
    await sb.store.append(sb.store.maildropFor('test'), 'INBOX', Buffer.from(messageOf(500, `m${i}`)));
}

describe('IMAP verdicts and settings on the wire', () => {
  it('greeting text and CAPABILITY edits; CREATE refused with NO [OVERQUOTA], nothing created', async () => {
    const sb = await sandbox(RULES);
    const { c, greeting } = await connect(sb);
    assert.match(greeting, /^\* OK \[CAPABILITY IMAP4rev1 .*\] Dovecot ready\.$/);
    assert.ok(greeting.includes(' XLIST]'));
    assert.ok(!/ IDLE /.test(greeting));
    const caps = await command(c, 'a1', 'CAPABILITY');
    assert.ok(caps[0]!.includes('XLIST') && !/ IDLE /.test(caps[0]!), caps[0]);
    await command(c, 'a2', 'LOGIN test testpass');
    assert.deepEqual(await command(c, 'a3', 'CREATE Projects'), ['a3 NO [OVERQUOTA] Quota exceeded']);
    const folders = await sb.store.folders(sb.store.maildropFor('test'));
    assert.ok(!folders.some((f) => f.name === 'Projects'));
    assert.deepEqual(firedRules(sb), ['quota']);
  });

  it('NOOP: first BAD from the rule, then an unsolicited EXPUNGE of the last message, seen by another client', async () => {
    const sb = await sandbox(RULES);
    await seed(sb, 2);
    const { c } = await connect(sb);
    await command(c, 'a1', 'LOGIN test testpass');
    assert.ok((await command(c, 'a2', 'SELECT INBOX')).includes('* 2 EXISTS'));
    assert.deepEqual(await command(c, 'a3', 'NOOP'), ['a3 BAD Not now']);
    // Both messages were \Recent for this first SELECT; one is left (RFC 3501 §2.3.2, as Dovecot says it).
    assert.deepEqual(await command(c, 'a4', 'NOOP'), ['* 2 EXPUNGE', '* 1 RECENT', 'a4 OK NOOP completed']);
    const other = await connect(sb);
    await command(other.c, 'b1', 'LOGIN test testpass');
    assert.ok((await command(other.c, 'b2', 'SELECT INBOX')).includes('* 1 EXISTS'));
    assert.deepEqual(firedRules(sb), ['refuse-noop', 'vanish']);
  });

  it('auth point: bob is refused with NO [CONTACTADMIN] before his password is looked at, alice logs in', async () => {
    const sb = await sandbox(RULES);
    const { c } = await connect(sb);
    assert.deepEqual(await command(c, 'a1', 'LOGIN bob builder'), ['a1 NO [CONTACTADMIN] Account locked']);
    const plain = Buffer.from('\0bob\0builder').toString('base64');
    assert.deepEqual(await command(c, 'a2', `AUTHENTICATE PLAIN ${plain}`), [
      'a2 NO [CONTACTADMIN] Account locked',
    ]);
    const ok = await command(c, 'a3', 'LOGIN alice secret');
    assert.match(ok.at(-1)!, /^a3 OK /);
    assert.deepEqual(firedRules(sb), ['bob-locked', 'bob-locked']);
    const auths = sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .map((e) => (e.type === 'auth' ? `${e.mechanism} ${e.username} ${e.ok}` : ''));
    assert.deepEqual(auths, ['IMAP LOGIN bob false', 'PLAIN bob false', 'IMAP LOGIN alice true']);
  });

  it('cut: FETCH stops after 100 bytes and the connection closes', async () => {
    const sb = await sandbox(RULES);
    await seed(sb, 1);
    const { c } = await connect(sb);
    await command(c, 'a1', 'LOGIN test testpass');
    await command(c, 'a2', 'SELECT INBOX');
    c.send('a3 FETCH 1 BODY.PEEK[]');
    await c.waitClosed();
    const head = '* 1 FETCH (BODY[] {561}';
    assert.equal((await c.readBytes(100)).toString(), `${head}\r\n${messageOf(500, 'm1').slice(0, 75)}`);
    const history = sb.transcript.history();
    assert.ok(
      history.some(
        (e) => e.type === 'session-close' && /cut-fetch: connection cut after 100 bytes/.test(e.reason),
      ),
    );
    // The transcript says what went out: the literal as far as it went, no `)`, no tagged OK.
    assert.deepEqual(linesAfter(history, 'a3 FETCH'), [
      `S: ${head} <75 of 561 bytes sent: "From: a@example.test">`,
      'N: scenario rule cut-fetch: the reply was cut after 100 bytes, ending ' +
        '".test\\r\\nTo: b@example.test\\r\\nSubject: m1\\r\\n\\r\\nxxxxxxxxxxxxxxxxxx"; 512 bytes already written were not sent, nor is anything written after',
    ]);
    assert.deepEqual(firedRules(sb), ['cut-fetch']);
  });

  it('cut in plain reply lines: the transcript holds the lines that went out, the last one as far as it went', async () => {
    const sb = await sandbox(`
description: cut list
imap:
  rules:
    - name: cut-list
      when: { command: LIST }
      cut: { afterBytes: 50 }
`);
    const { c } = await connect(sb);
    await command(c, 'a1', 'LOGIN test testpass');
    c.send('a2 LIST "" "*"');
    await c.waitClosed();
    const received = (await c.readBytes(50)).toString().split('\r\n');
    assert.equal(received.length, 2, 'the cut is in the second line');
    const history = sb.transcript.history();
    assert.deepEqual(
      linesAfter(history, 'a2 LIST').filter((l) => l.startsWith('S: ')),
      received.map((l) => `S: ${l}`),
      'no a2 OK: it never left',
    );
    assert.ok(
      history.some((e) => e.type === 'note' && /cut-list: the reply was cut after 50 bytes/.test(e.text)),
    );
  });

  it('greeting point: * BYE instead of a greeting, then the connection closes', async () => {
    const sb = await sandbox(`
description: busy
imap:
  rules:
    - name: busy
      when: { point: greeting }
      bye: { text: Too many connections from your address }
`);
    const { c, greeting } = await connect(sb);
    assert.equal(greeting, '* BYE Too many connections from your address');
    await c.waitClosed();
    assert.deepEqual(firedRules(sb), ['busy']);
  });

  it('strict-users: CRAM-MD5 from imaplib checks the scenario users table', async () => {
    const sb = await startTestSandbox({ listeners: ['imaps'], scenario: await loadScenario('strict-users') });
    open.push(sb);
    const script = `
import imaplib, json, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
out = []
for user, pw in [('alice', 'wonderland'), ('alice', 'wrong')]:
    m = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
    try: out.append(m.login_cram_md5(user, pw)[0])
    except imaplib.IMAP4.error as e: out.append(str(e))
    m.logout()
print(json.dumps(out))`;
    const r = await run(PYTHON, ['-c', script, String(sb.ports.imaps), certPath()], { timeoutMs: 20_000 });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null') as string[];
    assert.equal(out[0], 'OK');
    assert.match(out[1]!, /AUTHENTICATIONFAILED/);
    const auths = sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .map((e) => (e.type === 'auth' ? `${e.mechanism} ${e.username} ${e.ok}` : ''));
    assert.deepEqual(auths, ['CRAM-MD5 alice true', 'CRAM-MD5 alice false']);
  });

  it('DIGEST-MD5 from curl in users mode: the scenario password is looked up, a wrong one gets NO', async () => {
    const sb = await sandbox('description: digest\nusers: { alice: wonderland }\nauth: { mechanisms: [DIGEST-MD5] }\n');
    const codes: (number | null)[] = [];
    for (const password of ['wonderland', 'wrong']) {
      const r = await run(
        'curl',
        ['-sv', '--max-time', '10', `imap://127.0.0.1:${sb.ports.imap}/`, '-u', `alice:${password}`]
          .concat(['--login-options', 'AUTH=DIGEST-MD5']),
        { timeoutMs: 15_000 },
      );
      codes.push(r.code);
      assert.match(r.stderr, /> A\d+ AUTHENTICATE DIGEST-MD5/);
    }
    // curl 67: login denied.
    assert.deepEqual(codes, [0, 67]);
    const auths = sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .map((e) => (e.type === 'auth' ? `${e.mechanism} ${e.username} ${e.ok}` : ''));
    assert.deepEqual(auths, ['DIGEST-MD5 alice true', 'DIGEST-MD5 alice false']);
  });
});
