import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { python } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';

/**
 * python3's poplib against the sandbox: STLS, POP3_SSL, USER/PASS, APOP, CAPA and every transaction
 * command. Each script prints one JSON object; bytes travel as latin-1 strings.
 */
const PRELUDE = `
import json, poplib, ssl, sys
port, ca, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
def text(b): return b.decode('latin-1')
def body(lines): return text(b'\\r\\n'.join(lines) + b'\\r\\n')
def plain(): return poplib.POP3('127.0.0.1', port, timeout=10)
def implicit(): return poplib.POP3_SSL('127.0.0.1', port, context=ctx, timeout=10)
def err(fn):
    try:
        fn()
        return None
    except poplib.error_proto as e:
        return text(e.args[0])
out = {}
`;

async function py(script: string, port: number, user: string): Promise<Record<string, unknown>> {
  const result = await python(
    PRELUDE + script + '\nprint(json.dumps(out))',
    [String(port), certPath(), user],
    20_000,
  );
  assert.equal(result.code, 0, `python failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** Bare LF line ends and a leading dot: RETR must send CRLF and dot-stuff, poplib must get it back. */
const STORED =
  'From: a@example.test\nTo: b@example.test\nSubject: poplib\n\nfirst line\n.dotted line\nthird\n';
const ON_THE_WIRE = STORED.replace(/\n/g, '\r\n');

describe('POP3 with python3 poplib', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ mailboxes: 'per-user', listeners: ['pop3', 'pop3s'] });
  });
  after(() => sb.close());

  async function seed(user: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const raw = i === 0 ? STORED : `Subject: message ${i + 1}\r\n\r\nbody ${i + 1}\r\n`;
      ids.push((await sb.store.append(sb.store.maildropFor(user), 'INBOX', Buffer.from(raw))).id);
    }
    return ids;
  }

  it('STLS, then CAPA, USER/PASS, STAT, LIST, UIDL, TOP and RETR', async () => {
    const ids = await seed('alice', 2);
    const out = await py(
      `
c = plain()
out['capa_before'] = {k: v for k, v in c.capa().items()}
c.stls(ctx)
out['capa_after'] = {k: v for k, v in c.capa().items()}
c.user(user); out['pass'] = text(c.pass_('secret'))
out['stat'] = list(c.stat())
out['list'] = [text(l) for l in c.list()[1]]
out['list1'] = text(c.list(1))
out['uidl'] = [text(l) for l in c.uidl()[1]]
out['top'] = body(c.top(1, 1)[1])
resp, lines, octets = c.retr(1)
out['retr_resp'] = text(resp); out['retr'] = body(lines)
out['quit'] = text(c.quit())
`,
      sb.ports.pop3!,
      'alice',
    );
    const capaBefore = out.capa_before as Record<string, string[]>;
    assert.ok('STLS' in capaBefore, 'STLS offered before TLS');
    for (const cap of ['TOP', 'USER', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'])
      assert.ok(cap in capaBefore, cap);
    assert.deepEqual(capaBefore.SASL, ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);
    assert.deepEqual(capaBefore.EXPIRE, ['NEVER']);
    assert.deepEqual(capaBefore['LOGIN-DELAY'], ['0']);
    assert.deepEqual(capaBefore.IMPLEMENTATION, ['mailsandbox']);
    assert.ok(!('STLS' in (out.capa_after as object)), 'STLS no longer offered once secure');

    const second = Buffer.byteLength('Subject: message 2\r\n\r\nbody 2\r\n');
    const first = Buffer.byteLength(ON_THE_WIRE);
    assert.equal(out.pass, `+OK 2 messages (${first + second} octets)`);
    assert.deepEqual(out.stat, [2, first + second]);
    assert.deepEqual(out.list, [`1 ${first}`, `2 ${second}`]);
    assert.equal(out.list1, `+OK 1 ${first}`);
    assert.deepEqual(out.uidl, [`1 ${ids[0]}`, `2 ${ids[1]}`]);
    assert.equal(
      out.top,
      'From: a@example.test\r\nTo: b@example.test\r\nSubject: poplib\r\n\r\nfirst line\r\n',
    );
    assert.equal(out.retr, ON_THE_WIRE);
    assert.equal(out.retr_resp, `+OK ${first} octets`);
    assert.match(out.quit as string, /^\+OK/);

    const tls = sb.transcript.history().filter((e) => e.type === 'tls-upgraded' && e.how === 'starttls');
    assert.ok(tls.length >= 1, 'the transcript records the STLS upgrade');
  });

  it('POP3_SSL (implicit TLS on the pop3s port) with APOP', async () => {
    await seed('bob', 1);
    const out = await py(
      `
c = implicit()
out['welcome'] = text(c.getwelcome())
out['apop'] = text(c.apop(user, 'anything'))
out['retr'] = body(c.retr(1)[1])
c.quit()
`,
      sb.ports.pop3s!,
      'bob',
    );
    assert.match(out.welcome as string, /^\+OK mailsandbox ready <[A-Za-z0-9.]+@[A-Za-z0-9.]+>$/);
    assert.equal(out.apop, `+OK 1 messages (${Buffer.byteLength(ON_THE_WIRE)} octets)`);
    assert.equal(out.retr, ON_THE_WIRE);
  });

  it('DELE + QUIT removes the message for the next session and from the store', async () => {
    const ids = await seed('carol', 3);
    const drop = sb.store.maildropFor('carol');
    const out = await py(
      `
c = implicit(); c.user(user); c.pass_('x')
out['dele'] = text(c.dele(2))
out['list_after_dele'] = [text(l) for l in c.list()[1]]
out['retr_deleted'] = err(lambda: c.retr(2))
out['quit'] = text(c.quit())
c = implicit(); c.user(user); c.pass_('x')
out['uidl_next'] = [text(l) for l in c.uidl()[1]]
c.quit()
`,
      sb.ports.pop3s!,
      'carol',
    );
    assert.match(out.dele as string, /^\+OK/);
    assert.equal((out.list_after_dele as string[]).length, 2);
    assert.match(out.retr_deleted as string, /^-ERR message 2 already deleted/);
    assert.match(out.quit as string, /^\+OK .*1 messages deleted/);
    assert.deepEqual(out.uidl_next, [`1 ${ids[0]}`, `2 ${ids[2]}`]);
    const inbox = await sb.store.folder(drop, 'INBOX');
    assert.deepEqual(
      inbox!.messages.map((m) => m.id),
      [ids[0], ids[2]],
    );
  });

  it('RSET unmarks: nothing is deleted at QUIT', async () => {
    const ids = await seed('dave', 2);
    const out = await py(
      `
c = implicit(); c.user(user); c.pass_('x')
c.dele(1); c.dele(2)
out['stat_marked'] = list(c.stat())
out['rset'] = text(c.rset())
out['stat_reset'] = list(c.stat())
c.quit()
`,
      sb.ports.pop3s!,
      'dave',
    );
    assert.deepEqual(out.stat_marked, [0, 0]);
    assert.match(out.rset as string, /^\+OK maildrop has 2 messages/);
    assert.equal((out.stat_reset as number[])[0], 2);
    const inbox = await sb.store.folder(sb.store.maildropFor('dave'), 'INBOX');
    assert.deepEqual(
      inbox!.messages.map((m) => m.id),
      ids,
    );
  });

  it('a second session on the same maildrop gets -ERR [IN-USE] until the first quits', async () => {
    await seed('erin', 1);
    const out = await py(
      `
a = implicit(); a.user(user); a.pass_('x')
b = implicit(); b.user(user)
out['second'] = err(lambda: b.pass_('x'))
a.quit()
c = implicit(); c.user(user); out['third'] = text(c.pass_('x')); c.quit()
`,
      sb.ports.pop3s!,
      'erin',
    );
    assert.match(out.second as string, /^-ERR \[IN-USE\] /);
    assert.match(out.third as string, /^\+OK 1 messages/);
  });
});

describe('POP3 poplib with --user (passwords checked)', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ users: { test: 'testpass' }, listeners: ['pop3', 'pop3s'] });
  });
  after(() => sb.close());

  it('a wrong password gets -ERR [AUTH]; the right one, by USER/PASS and by APOP, gets in', async () => {
    const out = await py(
      `
c = implicit(); c.user(user)
out['wrong_pass'] = err(lambda: c.pass_('nope'))
out['wrong_apop'] = err(lambda: c.apop(user, 'nope'))
out['unknown'] = err(lambda: (c.user('nobody'), c.pass_('testpass')))
out['apop'] = text(c.apop(user, 'testpass'))
c.quit()
c = implicit(); c.user(user); out['pass'] = text(c.pass_('testpass')); c.quit()
`,
      sb.ports.pop3s!,
      'test',
    );
    assert.match(out.wrong_pass as string, /^-ERR \[AUTH\] /);
    assert.match(out.wrong_apop as string, /^-ERR \[AUTH\] /);
    assert.match(out.unknown as string, /^-ERR \[AUTH\] /);
    assert.match(out.apop as string, /^\+OK 0 messages/);
    assert.match(out.pass as string, /^\+OK 0 messages/);
    const auths = sb.transcript.history().filter((e) => e.type === 'auth');
    assert.deepEqual(
      auths.map((e) => e.type === 'auth' && `${e.mechanism} ${e.username} ${e.ok}`),
      [
        'USER/PASS test false',
        'APOP test false',
        'USER/PASS nobody false',
        'APOP test true',
        'USER/PASS test true',
      ],
    );
  });
});
