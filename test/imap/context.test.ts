import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

async function run(c: RawClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

async function ok(c: RawClient, tag: string, line: string): Promise<string[]> {
  const lines = await run(c, tag, line);
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), lines.join('\n'));
  return lines;
}

function message(n: number): Buffer {
  return Buffer.from(`From: <user${n}@example.org>\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`);
}

/** The lines before the tagged reply, without it. */
const untagged = (lines: string[]) => lines.slice(0, -1);

/**
 * CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): PARTIAL, CONTEXT, UPDATE with ADDTO/REMOVEFROM as
 * the mailbox changes, CANCELUPDATE; by hand after the RFC's examples, and through python's imaplib.
 */
describe('IMAP CONTEXT=SEARCH and CONTEXT=SORT', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'] });
    const drop = sb.store.maildropFor('test');
    // Six messages, UIDs 1-6; 2 and 4 are \Deleted $Junk (RFC 5267 §4.3's B01 search).
    for (let n = 1; n <= 6; n++)
      await sb.store.append(drop, 'INBOX', message(n), {
        flags: n === 2 || n === 4 ? ['\\Deleted', '$Junk'] : [],
      });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  async function selected(mailbox = 'INBOX'): Promise<RawClient> {
    const c = await RawClient.connect(sb.ports.imap!);
    clients.push(c);
    await c.readLine();
    await ok(c, 'l', 'LOGIN test secret');
    await ok(c, 's', `SELECT ${mailbox}`);
    return c;
  }

  it('advertises CONTEXT=SEARCH and CONTEXT=SORT', async () => {
    const c = await selected();
    const caps = (await ok(c, 'c', 'CAPABILITY'))[0]!.split(' ');
    assert.ok(caps.includes('CONTEXT=SEARCH') && caps.includes('CONTEXT=SORT'), caps.join(' '));
  });

  it('RFC 5267 §4.4: PARTIAL pages through the result; past the end it is short or NIL', async () => {
    const c = await selected();
    // UNDELETED: UIDs 1 3 5 6 (and whatever other tests added later, past these).
    assert.deepEqual(untagged(await ok(c, 'A01', 'UID SEARCH RETURN (PARTIAL 1:2) UNDELETED')), [
      '* ESEARCH (TAG "A01") UID PARTIAL (1:2 1,3)',
    ]);
    // 500:400 is the same as 400:500; the range is given back as asked, low first.
    assert.deepEqual(untagged(await ok(c, 'A02', 'UID SEARCH RETURN (PARTIAL 4:3) UNDELETED')), [
      '* ESEARCH (TAG "A02") UID PARTIAL (3:4 5:6)',
    ]);
    assert.deepEqual(untagged(await ok(c, 'A04', 'UID SEARCH RETURN (PARTIAL 240:250) UNDELETED')), [
      '* ESEARCH (TAG "A04") UID PARTIAL (240:250 NIL)',
    ]);
    assert.deepEqual(untagged(await ok(c, 'A05', 'SEARCH RETURN (CONTEXT COUNT PARTIAL 2:3) UNDELETED')), [
      '* ESEARCH (TAG "A05") PARTIAL (2:3 3,5) COUNT 4',
    ]);
    // Under SORT, positions in the sort order.
    assert.deepEqual(
      untagged(await ok(c, 'A06', 'UID SORT RETURN (PARTIAL 1:3) (REVERSE SUBJECT) UTF-8 UNDELETED')),
      ['* ESEARCH (TAG "A06") UID PARTIAL (1:3 6,5,3)'],
    );
    // §4.4: one PARTIAL or one ALL; a range has no `*` and no 0.
    for (const [tag, line] of [
      ['B1', 'SEARCH RETURN (PARTIAL 1:2 ALL) ALL'],
      ['B2', 'SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL'],
      ['B3', 'SEARCH RETURN (PARTIAL 1:*) ALL'],
      ['B4', 'SEARCH RETURN (PARTIAL 0:5) ALL'],
      ['B5', 'SEARCH RETURN (PARTIAL) ALL'],
    ] as const)
      assert.match((await run(c, tag, line)).at(-1)!, new RegExp(`^${tag} BAD `));
  });

  it("RFC 5267 §4.3: UPDATE reports other sessions' changes as ADDTO and REMOVEFROM, around EXISTS and EXPUNGE", async () => {
    await ok(await selected(), 'c', 'CREATE updates');
    const other = await selected('updates');
    for (let n = 1; n <= 3; n++)
      await ok(
        other,
        `a${n}`,
        `APPEND updates ${n === 2 ? '(\\Deleted $Junk) ' : ''}{${message(n).length}+}\r\n${message(n).toString()}`,
      );
    const c = await selected('updates');
    assert.deepEqual(untagged(await ok(c, 'B01', 'UID SEARCH RETURN (UPDATE COUNT) DELETED KEYWORD $Junk')), [
      '* ESEARCH (TAG "B01") UID COUNT 1',
    ]);
    assert.deepEqual(untagged(await ok(c, 'B02', 'SEARCH RETURN (UPDATE) DELETED')), [
      '* ESEARCH (TAG "B02")',
    ]);
    // §4.3: UPDATE under a tag that an updating search still uses is BAD.
    assert.match((await run(c, 'B01', 'SEARCH RETURN (UPDATE) ALL')).at(-1)!, /^B01 BAD /);

    // Another session flags message 3: a FETCH, then the additions (UIDs for B01, numbers for B02).
    await ok(other, 'f', 'UID STORE 3 +FLAGS (\\Deleted $Junk)');
    assert.deepEqual(untagged(await ok(c, 'n1', 'NOOP')), [
      '* 3 FETCH (UID 3 FLAGS (\\Deleted $Junk))',
      '* ESEARCH (TAG "B01") UID ADDTO (0 3)',
      '* ESEARCH (TAG "B02") ADDTO (0 3)',
    ]);
    // A new matching message: ADDTO after EXISTS, so its number is valid (§4.3.3).
    await ok(
      other,
      'a4',
      `APPEND updates (\\Deleted $Junk) {${message(4).length}+}\r\n${message(4).toString()}`,
    );
    const arrived = untagged(await ok(c, 'n2', 'NOOP'));
    assert.deepEqual(
      arrived.filter((l) => !/RECENT$/.test(l)),
      ['* 4 EXISTS', '* ESEARCH (TAG "B01") UID ADDTO (0 4)', '* ESEARCH (TAG "B02") ADDTO (0 4)'],
    );
    // An expunge of message 2: REMOVEFROM with the number it had, before the EXPUNGE (§4.3.4).
    await ok(other, 'x', 'UID EXPUNGE 2');
    assert.deepEqual(untagged(await ok(c, 'n3', 'NOOP')), [
      '* ESEARCH (TAG "B01") UID REMOVEFROM (0 2)',
      '* ESEARCH (TAG "B02") REMOVEFROM (0 2)',
      '* 2 EXPUNGE',
    ]);
    // The session's own STORE changes the result too.
    const own = untagged(await ok(c, 's1', 'UID STORE 4 -FLAGS.SILENT ($Junk)'));
    assert.deepEqual(own, ['* ESEARCH (TAG "B01") UID REMOVEFROM (0 4)']);

    // §4.3.5: CANCELUPDATE ends B01's updates; an unknown tag is BAD.
    assert.match((await run(c, 'k0', 'CANCELUPDATE "nope"')).at(-1)!, /^k0 BAD /);
    await ok(c, 'k1', 'CANCELUPDATE "B01"');
    await ok(other, 'g', 'UID STORE 1 +FLAGS (\\Deleted $Junk)');
    assert.deepEqual(untagged(await ok(c, 'n4', 'NOOP')), [
      '* 1 FETCH (UID 1 FLAGS (\\Deleted $Junk))',
      '* ESEARCH (TAG "B02") ADDTO (0 1)',
    ]);
    // The tag is free again once its context is gone; a new SELECT ends every context.
    await ok(c, 'B01', 'UID SEARCH RETURN (UPDATE) ALL');
    await ok(c, 's2', 'SELECT updates');
    await ok(other, 'h', 'UID STORE 3 -FLAGS (\\Deleted)');
    assert.deepEqual(untagged(await ok(c, 'n5', 'NOOP')), ['* 2 FETCH (UID 3 FLAGS ($Junk))']);
  });

  it('RFC 5267 §4.3: a SORT context places additions and removals by position; updates reach IDLE', async () => {
    await ok(await selected(), 'c', 'CREATE sorted');
    const other = await selected('sorted');
    for (let n = 1; n <= 3; n++)
      await ok(other, `a${n}`, `APPEND sorted ($Junk) {${message(n).length}+}\r\n${message(n).toString()}`);
    const c = await selected('sorted');
    assert.deepEqual(
      untagged(await ok(c, 'C01', 'UID SORT RETURN (UPDATE ALL) (REVERSE SUBJECT) UTF-8 KEYWORD $Junk')),
      ['* ESEARCH (TAG "C01") UID ALL 3,2,1'],
    );
    c.send('i IDLE');
    assert.equal(await c.readLine(), '+ idling');
    await ok(other, 'a4', `APPEND sorted ($Junk) {${message(4).length}+}\r\n${message(4).toString()}`);
    assert.equal(await c.readLine(), '* 4 EXISTS');
    // "message 4" comes first in REVERSE SUBJECT: position 1.
    let line = await c.readLine();
    if (/RECENT$/.test(line)) line = await c.readLine();
    assert.equal(line, '* ESEARCH (TAG "C01") UID ADDTO (1 4)');
    await ok(other, 'f', 'UID STORE 2 -FLAGS.SILENT ($Junk)');
    assert.equal(await c.readLine(), '* ESEARCH (TAG "C01") UID REMOVEFROM (3 2)');
    assert.equal(await c.readLine(), '* 2 FETCH (UID 2 FLAGS ())');
    c.send('DONE');
    assert.match((await c.readUntil(/^i /)).at(-1)!, /^i OK/);
  });

  it('RFC 5267 §4.3.1: past 16 updating searches, NO [NOUPDATE] and the other options still answered', async () => {
    const c = await selected();
    for (let n = 1; n <= 16; n++) await ok(c, `U${n}`, 'SEARCH RETURN (UPDATE) DELETED');
    assert.deepEqual(untagged(await ok(c, 'U17', 'SEARCH RETURN (UPDATE COUNT) DELETED')), [
      '* NO [NOUPDATE "U17"] Too many updating searches',
      '* ESEARCH (TAG "U17") COUNT 2',
    ]);
    // A cancelled context makes room again.
    await ok(c, 'k', 'CANCELUPDATE "U1" "U2"');
    assert.deepEqual(untagged(await ok(c, 'U18', 'SEARCH RETURN (UPDATE COUNT) DELETED')), [
      '* ESEARCH (TAG "U18") COUNT 2',
    ]);
  });

  it('python imaplib: PARTIAL and an UPDATE context', async () => {
    await ok(await selected(), 'c', 'CREATE pylib');
    const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {'caps': [c for c in m.capabilities if c.startswith('CONTEXT=')]}
m.login('test', 'secret')
for n in range(1, 5):
    m.append('pylib', None, None, ('Subject: %d\r\n\r\nbody\r\n' % n).encode())
m.select('pylib')
typ, data = m.uid('SEARCH', 'RETURN', '(PARTIAL 2:3)', 'ALL')
out['partial'] = m.response('ESEARCH')[1][0].decode()
typ, data = m._simple_command('SEARCH', 'RETURN', '(UPDATE COUNT)', 'FLAGGED')
out['count'] = m.response('ESEARCH')[1][0].decode()
m.store('2', '+FLAGS', '\\Flagged')
out['addto'] = m.response('ESEARCH')[1][0].decode()
m.logout()
print(json.dumps(out))
`;
    const result = await python(script, [String(sb.ports.imap!)], 20_000);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(out.caps, ['CONTEXT=SEARCH', 'CONTEXT=SORT']);
    assert.match(out.partial as string, /^\(TAG "[A-Z]+\d+"\) UID PARTIAL \(2:3 2:3\)$/);
    assert.match(out.count as string, /^\(TAG "[A-Z]+\d+"\) COUNT 0$/);
    assert.match(out.addto as string, /^\(TAG "[A-Z]+\d+"\) ADDTO \(0 2\)$/);
  });

  it('a scenario removing CONTEXT=SEARCH switches PARTIAL, CONTEXT and UPDATE off for SEARCH only', async () => {
    const scenario = await parseScenario(
      'description: no search contexts\nimap:\n  capabilities: { remove: [CONTEXT=SEARCH] }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    try {
      await plain.store.append(plain.store.maildropFor('test'), 'INBOX', message(1));
      const c = await RawClient.connect(plain.ports.imap!);
      clients.push(c);
      await c.readLine();
      await ok(c, 'l', 'LOGIN test secret');
      assert.doesNotMatch((await ok(c, 'c', 'CAPABILITY'))[0]!, /CONTEXT=SEARCH/);
      await ok(c, 's', 'SELECT INBOX');
      for (const option of ['PARTIAL 1:2', 'CONTEXT', 'UPDATE'])
        assert.match((await run(c, 'a', `SEARCH RETURN (${option}) ALL`)).at(-1)!, /^a BAD /);
      assert.equal((await ok(c, 'b', 'SEARCH RETURN (COUNT) ALL'))[0], '* ESEARCH (TAG "b") COUNT 1');
      // CONTEXT=SORT stays: SORT keeps PARTIAL, and CANCELUPDATE is there.
      assert.equal(
        (await ok(c, 'd', 'SORT RETURN (PARTIAL 1:1) (ARRIVAL) UTF-8 ALL'))[0],
        '* ESEARCH (TAG "d") PARTIAL (1:1 1)',
      );
      assert.match((await run(c, 'e', 'CANCELUPDATE "x"')).at(-1)!, /^e BAD no updating search/);
    } finally {
      await plain.close();
    }
  });
});
