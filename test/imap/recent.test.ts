import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import type { Sandbox } from '../../src/index.js';
import { imapFlow } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';

/** What Dovecot 2.3 says, and we say, when the selected mailbox went away under a session. */
const BYE = '* BYE IMAP session state is inconsistent, please relogin.';

/**
 * python3's imaplib, four sessions on one maildrop after one SMTP delivery: STATUS and EXAMINE look at
 * the new message without claiming it, the first SELECT claims it, the second SELECT finds it old.
 */
const SCRIPT = String.raw`
import imaplib, json, sys
port, user = int(sys.argv[1]), sys.argv[2]
def login():
    m = imaplib.IMAP4('127.0.0.1', port)
    m.login(user, 'x')
    return m
def status(m, items):
    return m.status('INBOX', items)[1][0].decode()
def search(m, key):
    return m.search(None, key)[1][0].decode()
out = {}
s = login()
out['status_before'] = status(s, '(MESSAGES RECENT UNSEEN)')
e = login()
e.select('INBOX', readonly=True)
out['examine_recent'] = e.response('RECENT')[1][0].decode()
out['examine_flags'] = e.fetch('1', '(FLAGS)')[1][0].decode()
out['examine_search_recent'] = search(e, 'RECENT')
out['status_after_examine'] = status(s, '(RECENT)')
a = login()
a.select('INBOX')
out['select_recent'] = a.response('RECENT')[1][0].decode()
out['select_flags'] = a.fetch('1', '(FLAGS)')[1][0].decode()
for key in ('RECENT', 'NEW', 'OLD'):
    out['select_search_' + key] = search(a, key)
out['status_after_select'] = status(s, '(RECENT)')
b = login()
b.select('INBOX')
out['second_recent'] = b.response('RECENT')[1][0].decode()
out['second_flags'] = b.fetch('1', '(FLAGS)')[1][0].decode()
out['second_search_OLD'] = search(b, 'OLD')
out['second_search_RECENT'] = search(b, 'RECENT')
out['store_seen'] = a.store('1', '+FLAGS', '(\\Seen)')[1][0].decode()
out['search_NEW_when_seen'] = search(a, 'NEW')
out['search_RECENT_when_seen'] = search(a, 'RECENT')
try:
    a.store('1', '+FLAGS', '(\\Recent)')
    out['store_recent'] = 'accepted'
except imaplib.IMAP4.error as err:
    out['store_recent'] = str(err)
for m in (s, e, a, b):
    m.logout()
print(json.dumps(out))
`;

describe('IMAP \\Recent (RFC 3501 §2.3.2) and a selected mailbox deleted or renamed elsewhere', () => {
  let sb: Sandbox;
  const raws: RawClient[] = [];
  const flows: ImapFlow[] = [];

  before(async () => {
    // One maildrop per test (the login name), so the tests do not see each other's mail.
    sb = await startTestSandbox({ listeners: ['smtp', 'imap'], mailboxes: 'per-user' });
  });
  after(async () => {
    await Promise.all(flows.map((c) => c.logout().catch(() => c.close())));
    for (const c of raws) c.close();
    await sb.close();
  });

  async function login(user: string): Promise<RawClient> {
    const c = await RawClient.connect(sb.ports.imap!);
    raws.push(c);
    assert.match(await c.readLine(), /^\* OK /);
    await ok(c, 'l', `LOGIN ${user} x`);
    return c;
  }

  async function deliver(user: string, subject: string): Promise<void> {
    const response = await sendMail({
      port: sb.ports.smtp!,
      to: [`${user}@example.test`],
      raw: sampleMessage(subject),
    });
    assert.match(response, /^250 /);
  }

  it('imaplib: the first SELECT after an SMTP delivery claims it; EXAMINE and STATUS only look', async () => {
    await deliver('rita', 'recent for rita');
    const result = await run('/usr/bin/python3', ['-c', SCRIPT, String(sb.ports.imap), 'rita'], {
      timeoutMs: 20_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      status_before: '"INBOX" (MESSAGES 1 RECENT 1 UNSEEN 1)',
      examine_recent: '1',
      examine_flags: '1 (FLAGS (\\Recent))',
      examine_search_recent: '1',
      status_after_examine: '"INBOX" (RECENT 1)',
      select_recent: '1',
      select_flags: '1 (FLAGS (\\Recent))',
      select_search_RECENT: '1',
      select_search_NEW: '1',
      select_search_OLD: '',
      status_after_select: '"INBOX" (RECENT 0)',
      second_recent: '0',
      second_flags: '1 (FLAGS ())',
      second_search_OLD: '1',
      second_search_RECENT: '',
      store_seen: '1 (FLAGS (\\Seen \\Recent))',
      search_NEW_when_seen: '',
      search_RECENT_when_seen: '1',
      // Dovecot answers BAD too ("Invalid system flag \RECENT"); RFC 3501 §2.3.2: clients cannot set it.
      store_recent: "STORE command error: BAD [b'\\\\Recent is not a flag a client may set']",
    });
  });

  it('imapflow: mail arriving during IDLE is recent in the idling session, not in another selected one', async () => {
    const idler = imapFlow(sb.ports.imap!, 'starttls', { user: 'ida', pass: 'x' });
    flows.push(idler);
    await idler.connect();
    assert.equal((await idler.mailboxOpen('INBOX')).exists, 0);
    // A second session has the INBOX selected read-write too, but is not told before the idler.
    const other = await login('ida');
    await ok(other, 's', 'SELECT INBOX');
    const idling = idler.idle();
    const idlingSid = await waitFor(
      () => sb.transcript.history().find((e) => e.type === 'server-line' && e.line === '+ idling')?.sid,
      '+ idling',
    );
    const exists = new Promise<number>((resolve) => idler.on('exists', (event) => resolve(event.count)));
    await deliver('ida', 'arrives during IDLE');
    assert.equal(await exists, 1);
    await waitFor(
      () => sb.transcript.history(idlingSid).some((e) => e.type === 'server-line' && e.line === '* 1 RECENT'),
      '* 1 RECENT during IDLE',
    );
    await idler.noop(); // DONE ends the IDLE
    await idling;
    const lines = sb.transcript
      .history(idlingSid)
      .filter((e) => e.type === 'server-line' || e.type === 'client-line')
      .map((e) => e.line);
    const idleAt = lines.indexOf('+ idling');
    assert.deepEqual(lines.slice(idleAt, idleAt + 4), ['+ idling', '* 1 EXISTS', '* 1 RECENT', 'DONE']);
    const message = await idler.fetchOne('1', { flags: true });
    assert.ok(
      message && message.flags?.has('\\Recent'),
      `flags: ${[...(message ? (message.flags ?? []) : [])]}`,
    );
    assert.deepEqual(await ok(other, 'n', 'NOOP'), ['* 1 EXISTS', 'n OK NOOP completed']);
    assert.deepEqual(await ok(other, 'f', 'FETCH 1 FLAGS'), ['* 1 FETCH (FLAGS ())', 'f OK FETCH completed']);
  });

  it('several sessions: the first read-write one told gets new mail; RECENT follows APPEND, EXPUNGE, COPY (as Dovecot 2.3)', async () => {
    // The same exchange against Dovecot 2.3.19 gave these lines (texts of the tagged replies aside).
    const a = await login('rose');
    const b = await login('rose');
    const c = await login('rose');
    const e = await login('rose');
    assert.deepEqual(recentLines(await ok(a, 's', 'SELECT INBOX')), ['* 0 EXISTS', '* 0 RECENT']);
    await ok(b, 's', 'SELECT INBOX');
    assert.deepEqual(recentLines(await ok(e, 's', 'EXAMINE INBOX')), ['* 0 EXISTS', '* 0 RECENT']);
    await append(c, 'INBOX');
    // Read-only: shown as recent, not claimed. Then b is the first read-write session told: b's.
    assert.deepEqual(await ok(e, 'n', 'NOOP'), ['* 1 EXISTS', '* 1 RECENT', 'n OK NOOP completed']);
    assert.deepEqual(await ok(b, 'n', 'NOOP'), ['* 1 EXISTS', '* 1 RECENT', 'n OK NOOP completed']);
    assert.deepEqual(await ok(a, 'n', 'NOOP'), ['* 1 EXISTS', 'n OK NOOP completed']);
    assert.deepEqual(await ok(a, 'f', 'FETCH 1 FLAGS'), ['* 1 FETCH (FLAGS ())', 'f OK FETCH completed']);
    assert.deepEqual(await ok(b, 'f', 'FETCH 1 FLAGS'), [
      '* 1 FETCH (FLAGS (\\Recent))',
      'f OK FETCH completed',
    ]);
    assert.deepEqual(await ok(c, 't', 'STATUS INBOX (MESSAGES RECENT)'), [
      '* STATUS "INBOX" (MESSAGES 1 RECENT 0)',
      't OK STATUS completed',
    ]);
    // APPEND into the mailbox b has selected: b is told at once, so it is b's.
    const own = await append(b, 'INBOX');
    assert.deepEqual(own.slice(0, 2), ['* 2 EXISTS', '* 2 RECENT']);
    await ok(b, 'd', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    assert.deepEqual(await ok(b, 'x', 'EXPUNGE'), ['* 1 EXPUNGE', '* 1 RECENT', 'x OK EXPUNGE completed']);
    // COPY into a mailbox nobody has selected: recent for whoever selects it first.
    await ok(c, 'c', 'CREATE Later');
    await ok(b, 'y', 'COPY 1 Later');
    assert.deepEqual(await ok(c, 't', 'STATUS Later (MESSAGES RECENT)'), [
      '* STATUS "Later" (MESSAGES 1 RECENT 1)',
      't OK STATUS completed',
    ]);
    assert.deepEqual(recentLines(await ok(c, 's', 'SELECT Later')), ['* 1 EXISTS', '* 1 RECENT']);
    assert.deepEqual(await ok(c, 's', 'SEARCH NEW'), ['* SEARCH 1', 's OK SEARCH completed']);
    assert.deepEqual(await ok(c, 'o', 'SEARCH OLD'), ['* SEARCH', 'o OK SEARCH completed']);
    // a still has the INBOX selected: its updates come with the reply; a was never told first, so no RECENT.
    assert.deepEqual(await ok(a, 't', 'STATUS Later (RECENT)'), [
      '* STATUS "Later" (RECENT 0)',
      '* 1 EXPUNGE',
      '* 1 EXISTS',
      't OK STATUS completed',
    ]);
  });

  it('a selected mailbox deleted by another session: NO for STORE and COPY, LIST runs, NOOP gets BYE', async () => {
    const a = await login('dora');
    const b = await login('dora');
    await ok(b, 'c', 'CREATE Doomed');
    await append(b, 'Doomed');
    assert.deepEqual(recentLines(await ok(a, 's', 'SELECT Doomed')), ['* 1 EXISTS', '* 1 RECENT']);
    await ok(b, 'd', 'DELETE Doomed');
    assert.deepEqual(await run2(a, 's', 'STORE 1 +FLAGS (\\Seen)'), ['s NO Mailbox was deleted under us']);
    assert.deepEqual(await run2(a, 'c', 'COPY 1 INBOX'), ['c NO Mailbox was deleted under us']);
    assert.deepEqual(await ok(a, 'l', 'LIST "" Doomed'), ['l OK LIST completed']);
    a.send('n NOOP');
    assert.equal(await a.readLine(), BYE);
    await a.waitClosed();
    const sid = sb.transcript
      .history()
      .filter((e) => e.type === 'server-line' && e.line === BYE)
      .at(-1)!.sid;
    assert.ok(
      sb.transcript
        .history(sid)
        .some((e) => e.type === 'session-close' && e.reason === 'selected mailbox Doomed was deleted'),
    );
  });

  it('a session may delete its own selected mailbox: OK, then the BYE Dovecot sends at the next command', async () => {
    const a = await login('ned');
    await ok(a, 'c', 'CREATE Mine');
    await append(a, 'Mine');
    await ok(a, 's', 'SELECT Mine');
    assert.deepEqual(await ok(a, 'd', 'DELETE Mine'), ['d OK DELETE completed']);
    a.send('n NOOP');
    assert.equal(await a.readLine(), '* BYE Selected mailbox was deleted, have to disconnect.');
    await a.waitClosed();
    const b = await login('ned');
    assert.deepEqual(await ok(b, 'l', 'LIST "" Mine'), ['l OK LIST completed']);
  });

  it('a selected mailbox renamed during IDLE: BYE at once; its \\Recent claim moves with it', async () => {
    const a = await login('remy');
    const b = await login('remy');
    await ok(b, 'c', 'CREATE Moving');
    await append(b, 'Moving');
    assert.deepEqual(recentLines(await ok(a, 's', 'SELECT Moving')), ['* 1 EXISTS', '* 1 RECENT']);
    a.send('i IDLE');
    assert.equal(await a.readLine(), '+ idling');
    await ok(b, 'r', 'RENAME Moving Moved');
    assert.equal(await a.readLine(), BYE);
    await a.waitClosed();
    assert.deepEqual(await ok(b, 't', 'STATUS Moved (MESSAGES RECENT)'), [
      '* STATUS "Moved" (MESSAGES 1 RECENT 0)',
      't OK STATUS completed',
    ]);
    assert.ok(
      sb.transcript
        .history()
        .some((e) => e.type === 'note' && e.text === 'the selected mailbox Moving was renamed to Moved'),
    );
  });

  it('UNSELECT, or SELECT of another mailbox, leaves a vanished mailbox behind without a BYE', async () => {
    const a = await login('ursula');
    const b = await login('ursula');
    await ok(b, 'c', 'CREATE Gone1');
    await ok(b, 'c', 'CREATE Gone2');
    await ok(a, 's', 'SELECT Gone1');
    await ok(b, 'd', 'DELETE Gone1');
    assert.deepEqual(await ok(a, 'u', 'UNSELECT'), ['u OK UNSELECT completed']);
    assert.deepEqual(await ok(a, 'n', 'NOOP'), ['n OK NOOP completed']);
    await ok(a, 's', 'SELECT Gone2');
    await ok(b, 'r', 'RENAME Gone2 Gone3');
    assert.deepEqual(recentLines(await ok(a, 's', 'SELECT Gone3')), ['* 0 EXISTS', '* 0 RECENT']);
    assert.deepEqual(await ok(a, 'n', 'NOOP'), ['n OK NOOP completed']);
  });
});

/** Sends one command; returns its lines up to the tagged reply. */
async function run2(c: RawClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

async function ok(c: RawClient, tag: string, line: string): Promise<string[]> {
  const lines = await run2(c, tag, line);
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), lines.join('\n'));
  return lines;
}

/** APPENDs a small message with a non-synchronising literal; returns the reply lines. */
async function append(c: RawClient, mailbox: string): Promise<string[]> {
  const message = 'Subject: appended\r\n\r\nhello\r\n';
  c.write(`ap APPEND ${mailbox} {${message.length}+}\r\n${message}\r\n`);
  const lines = await c.readUntil(/^ap /);
  assert.match(lines.at(-1)!, /^ap OK \[APPENDUID \d+ \d+\]/, lines.join('\n'));
  return lines;
}

/** The EXISTS and RECENT lines of a SELECT/EXAMINE reply. */
function recentLines(lines: string[]): string[] {
  return lines.filter((l) => / (EXISTS|RECENT)$/.test(l));
}
