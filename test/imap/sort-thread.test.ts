import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { ok, run, signedIn } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** [subject, from, date (null: no Date header), references] of messages 1..8. */
const MESSAGES: [string, string, string | null, string][] = [
  ['Hello world', 'Zed <zz@x.test>', 'Wed, 01 Jan 2020 10:00:00 +0000', ''],
  ['Re: Hello world', '<bb@x.test>', 'Wed, 01 Jan 2020 09:00:00 -0200', '<1@x.test>'],
  ['Another topic', 'Amy <cc@x.test>', 'Tue, 31 Dec 2019 23:00:00 +0000', ''],
  ['[list] Fwd: Re: hello WORLD (fwd)', 'dd@x.test', 'Thu, 02 Jan 2020 08:00:00 +0000', ''],
  ['Re: Another topic', 'ee@x.test', 'Wed, 01 Jan 2020 12:00:00 +0000', '<missing@x.test> <3@x.test>'],
  ['Re: lost', 'ff@x.test', 'Fri, 03 Jan 2020 08:00:00 +0000', '<gone@x.test>'],
  ['Re: lost', 'gg@x.test', 'Sat, 04 Jan 2020 08:00:00 +0000', '<gone@x.test>'],
  ['zzz', 'aa@x.test', null, ''],
];

function raw(n: number): Buffer {
  const [subject, from, date, references] = MESSAGES[n - 1]!;
  return Buffer.from(
    `From: ${from}\r\nTo: t@x.test\r\nSubject: ${subject}\r\n${date ? `Date: ${date}\r\n` : ''}` +
      `Message-ID: <${n}@x.test>\r\n${references ? `References: ${references}\r\n` : ''}\r\nbody ${n}\r\n`,
  );
}

/** SORT, SORT=DISPLAY, ESORT and both THREAD algorithms (RFC 5256, 5957, 5267) on a mailbox built to
 *  exercise base subjects, zones, missing dates, dummies and subject merging. */
describe('IMAP SORT and THREAD', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'] });
    const drop = sb.store.maildropFor('test');
    for (let n = 1; n <= MESSAGES.length; n++)
      await sb.store.append(drop, 'INBOX', raw(n), { internalDate: new Date(Date.UTC(2022, 0, 10 - n)) });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  const selected = () => signedIn(sb.ports.imap!, clients, 'INBOX');

  it('SORT by every RFC 5256 criterion, REVERSE, and the RFC 5957 display criteria', async () => {
    const c = await selected();
    const sort = async (criteria: string) => (await ok(c, 'q', `SORT ${criteria}`))[0];
    assert.equal(await sort('(SUBJECT) UTF-8 ALL'), '* SORT 3 5 1 2 4 6 7 8');
    assert.equal(await sort('(SUBJECT REVERSE DATE) UTF-8 ALL'), '* SORT 5 3 4 2 1 7 6 8');
    // Message 2 says 09:00 -0200 (11:00 UTC); message 8 has no Date, so its internal date counts.
    assert.equal(await sort('(DATE) US-ASCII ALL'), '* SORT 3 1 2 5 4 6 7 8');
    assert.equal(await sort('(ARRIVAL) UTF-8 ALL'), '* SORT 8 7 6 5 4 3 2 1');
    assert.equal(await sort('(FROM) UTF-8 ALL'), '* SORT 8 2 3 4 5 6 7 1');
    assert.equal(await sort('(DISPLAYFROM) UTF-8 ALL'), '* SORT 8 3 2 4 5 6 7 1');
    assert.equal(await sort('(REVERSE ARRIVAL) UTF-8 SUBJECT hello'), '* SORT 1 2 4');
    assert.equal(await sort('(SUBJECT) US-ASCII TEXT "not in mailbox"'), '* SORT');
    assert.equal((await ok(c, 'u', 'UID SORT (DATE) UTF-8 UID 1:3'))[0], '* SORT 3 1 2');
    assert.match((await run(c, 'b', 'SORT (DATE) KOI8-R ALL')).at(-1)!, /^b NO \[BADCHARSET/);
    assert.match((await run(c, 'd', 'SORT (REVERSE) UTF-8 ALL')).at(-1)!, /^d BAD /);
    assert.match((await run(c, 'e', 'SORT (NAME) UTF-8 ALL')).at(-1)!, /^e BAD /);
  });

  it('ESORT: SORT RETURN answers ESEARCH in sort order (RFC 5267 §3.2)', async () => {
    const c = await selected();
    assert.equal(
      (await ok(c, 'e1', 'SORT RETURN (MIN MAX ALL COUNT) (DATE) UTF-8 ALL'))[0],
      '* ESEARCH (TAG "e1") MIN 3 MAX 8 ALL 3,1:2,5,4,6:8 COUNT 8',
    );
    assert.equal(
      (await ok(c, 'e2', 'UID SORT RETURN (COUNT) (DATE) UTF-8 SUBJECT lost'))[0],
      '* ESEARCH (TAG "e2") UID COUNT 2',
    );
    assert.equal((await ok(c, 'e3', 'SORT RETURN () (SUBJECT) UTF-8 DELETED'))[0], '* ESEARCH (TAG "e3")');
  });

  it('THREAD REFERENCES: parents from References, dummies, subjects merged (RFC 5256 §2.2)', async () => {
    const c = await selected();
    assert.equal((await ok(c, 't', 'THREAD REFERENCES UTF-8 ALL'))[0], '* THREAD (3 5)(1 (2)(4))((6)(7))(8)');
    assert.equal(
      (await ok(c, 'u', 'UID THREAD REFERENCES UTF-8 NOT UID 3'))[0],
      '* THREAD (1 (2)(4))(5)((6)(7))(8)',
    );
    assert.equal((await ok(c, 'v', 'THREAD REFERENCES US-ASCII TEXT "gewp"'))[0], '* THREAD');
  });

  it('THREAD ORDEREDSUBJECT (RFC 5256 §3)', async () => {
    const c = await selected();
    assert.equal(
      (await ok(c, 't', 'THREAD ORDEREDSUBJECT UTF-8 ALL'))[0],
      '* THREAD (3 5)(1 (2)(4))(6 7)(8)',
    );
    assert.match((await run(c, 'b', 'THREAD NOSUCH UTF-8 ALL')).at(-1)!, /^b BAD /);
  });

  it('python imaplib: sort() and thread()', async () => {
    const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
caps = [c for c in m.capabilities if c.startswith(('SORT', 'ESORT', 'THREAD'))]
m.login('test', 'secret')
m.select('INBOX')
out = {'caps': caps}
out['sort'] = m.sort('(REVERSE DATE)', 'UTF-8', 'ALL')[1][0].decode()
out['uid_sort'] = m.uid('SORT', '(SUBJECT)', 'UTF-8', 'ALL')[1][0].decode()
out['thread'] = m.thread('REFERENCES', 'UTF-8', 'ALL')[1][0].decode()
m.logout()
print(json.dumps(out))
`;
    const result = await python(script, [String(sb.ports.imap!)], 20_000);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(out.caps, [
      'SORT',
      'SORT=DISPLAY',
      'ESORT',
      'THREAD=ORDEREDSUBJECT',
      'THREAD=REFERENCES',
    ]);
    assert.equal(out.sort, '8 7 6 4 5 2 1 3');
    assert.equal(out.uid_sort, '3 5 1 2 4 6 7 8');
    assert.equal(out.thread, '(3 5)(1 (2)(4))((6)(7))(8)');
  });

  it('a scenario removing SORT, ESORT, SORT=DISPLAY and THREAD=REFERENCES switches them off', async () => {
    const scenario = await parseScenario(
      'description: no sort\nimap:\n  capabilities: { remove: [SORT, ESORT, SORT=DISPLAY, THREAD=REFERENCES] }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    try {
      await plain.store.append(plain.store.maildropFor('test'), 'INBOX', raw(1));
      const c = await RawClient.connect(plain.ports.imap!);
      clients.push(c);
      assert.doesNotMatch(await c.readLine(), /SORT|THREAD=REFERENCES/);
      await ok(c, 'l', 'LOGIN test secret');
      await ok(c, 's', 'SELECT INBOX');
      assert.match((await run(c, 'a', 'SORT (DATE) UTF-8 ALL')).at(-1)!, /^a BAD unknown command/);
      assert.match((await run(c, 'b', 'UID SORT (DATE) UTF-8 ALL')).at(-1)!, /^b BAD unknown command/);
      assert.match((await run(c, 'c', 'THREAD REFERENCES UTF-8 ALL')).at(-1)!, /^c BAD /);
      assert.equal((await ok(c, 'd', 'THREAD ORDEREDSUBJECT UTF-8 ALL'))[0], '* THREAD (1)');
    } finally {
      await plain.close();
    }
  });

  it('THREAD again after new mail threads the new message too (the kept tree is not reused)', async () => {
    const c = await selected();
    const threads = async () => (await ok(c, 't', 'THREAD REFERENCES UTF-8 ALL'))[0];
    assert.equal(await threads(), '* THREAD (3 5)(1 (2)(4))((6)(7))(8)');
    assert.equal(await threads(), '* THREAD (3 5)(1 (2)(4))((6)(7))(8)');
    const reply = Buffer.from(
      'Subject: Re: zzz\r\nDate: Sun, 1 Jan 2023 00:00:00 +0000\r\nReferences: <8@x.test>\r\n\r\nr\r\n',
    );
    await sb.store.append(sb.store.maildropFor('test'), 'INBOX', reply);
    await ok(c, 'n', 'NOOP');
    assert.equal(await threads(), '* THREAD (3 5)(1 (2)(4))((6)(7))(8 9)');
    // With message 1 gone, sequence numbers are UIDs less one: THREAD and UID THREAD of the same
    // messages, one after the other, each answer in their own numbers.
    await ok(c, 'd', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await ok(c, 'x', 'EXPUNGE');
    const bySeq = await threads();
    const byUid = (await ok(c, 'u', 'UID THREAD REFERENCES UTF-8 ALL'))[0]!;
    assert.equal(
      byUid,
      bySeq!.replace(/\d+/g, (n) => String(Number(n) + 1)),
    );
    assert.equal((await ok(c, 't2', 'THREAD REFERENCES UTF-8 ALL'))[0], bySeq);
  });
});
