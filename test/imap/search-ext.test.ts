import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { ok, run, signedIn } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

function message(n: number, from: string, date: string): Buffer {
  return Buffer.from(
    `From: ${from}\r\nTo: someone@example.org\r\nSubject: message ${n}\r\nDate: ${date}\r\n` +
      `Message-ID: <m${n}@example.org>\r\n\r\nbody ${n}\r\n`,
  );
}

/**
 * SEARCH as modern clients use it: the address and sent-date fixes, ESEARCH (RFC 4731), SEARCHRES
 * (RFC 5182) and WITHIN (RFC 5032) with their RFCs' examples, by hand and through python's imaplib.
 */
describe('IMAP SEARCH extensions', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'] });
    const drop = sb.store.maildropFor('test');
    // RFC 4731 §3.2's example mailbox: 2, 10 and 11 are flagged, since 1-Feb-1994 and not from Smith.
    const hour = 3_600_000;
    for (let n = 1; n <= 11; n++) {
      const from = n === 5 ? 'John Smith <smith@example.org>' : `<user${n}@example.org>`;
      const flags = [2, 5, 10, 11].includes(n) ? ['\\Flagged'] : n === 3 ? ['\\Seen'] : [];
      const internalDate = n === 1 ? new Date('1990-01-01T00:00:00Z') : new Date(Date.now() - n * hour);
      await sb.store.append(drop, 'INBOX', message(n, from, 'Mon, 26 Mar 2007 10:00:00 +0000'), {
        flags,
        internalDate,
      });
    }
    // The two bugs a conformance suite found: an address with comments, a date late in its own zone.
    await sb.store.append(
      drop,
      'INBOX',
      message(12, '<user-from (comment)@ (comment) domain.org>', 'Mon, 26 Mar 2007 23:30:00 -0700'),
      { internalDate: new Date(Date.now() - 100 * 86_400_000) },
    );
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  const selected = () => signedIn(sb.ports.imap!, clients, 'INBOX');

  it('FROM matches the address with RFC 5322 comments removed', async () => {
    const c = await selected();
    assert.equal((await ok(c, 'a', 'SEARCH FROM user-from@domain.org'))[0], '* SEARCH 12');
    assert.equal((await ok(c, 'b', 'SEARCH FROM "user-from@"'))[0], '* SEARCH 12');
    assert.equal((await ok(c, 'c', 'SEARCH FROM smith'))[0], '* SEARCH 5');
  });

  it("SENTON/SENTBEFORE/SENTSINCE compare the Date header's own calendar day", async () => {
    const c = await selected();
    assert.equal((await ok(c, 'a', 'SEARCH SENTON 26-Mar-2007 FROM domain.org'))[0], '* SEARCH 12');
    assert.equal((await ok(c, 'b', 'SEARCH SENTSINCE 27-Mar-2007'))[0], '* SEARCH');
    assert.equal((await ok(c, 'c', 'SEARCH SENTBEFORE 27-Mar-2007 UID 12'))[0], '* SEARCH 12');
  });

  it('RFC 4731 §3.2 examples: MIN COUNT, RETURN (), no match, UID MIN MAX', async () => {
    const c = await selected();
    const criteria = 'FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"';
    assert.equal(
      (await ok(c, 'A282', `SEARCH RETURN (MIN COUNT) ${criteria}`))[0],
      '* ESEARCH (TAG "A282") MIN 2 COUNT 3',
    );
    assert.equal(
      (await ok(c, 'A283', `SEARCH RETURN () ${criteria}`))[0],
      '* ESEARCH (TAG "A283") ALL 2,10:11',
    );
    assert.equal((await ok(c, 'A284', 'SEARCH RETURN (MIN) SEEN FLAGGED'))[0], '* ESEARCH (TAG "A284")');
    const uids = (await ok(c, 'u', 'UID SEARCH FLAGGED NOT FROM Smith'))[0]!.split(' ').slice(2);
    assert.equal(
      (await ok(c, 'A285', 'UID SEARCH RETURN (MIN MAX) FLAGGED NOT FROM Smith'))[0],
      `* ESEARCH (TAG "A285") UID MIN ${uids[0]} MAX ${uids.at(-1)}`,
    );
    assert.equal((await ok(c, 'A286', 'SEARCH RETURN (COUNT) DELETED'))[0], '* ESEARCH (TAG "A286") COUNT 0');
    assert.match((await run(c, 'A287', 'SEARCH RETURN (NOSUCH) ALL')).at(-1)!, /^A287 BAD /);
  });

  it('RFC 5182 examples: SAVE, then $ in FETCH, SEARCH, UID COPY; SAVE MIN MAX; a failed SAVE empties $', async () => {
    const c = await selected();
    const saved = await ok(c, 'A282', 'SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"');
    assert.equal(saved.length, 1, 'SAVE alone sends no ESEARCH (RFC 5182 §2.4)');
    const fetched = await ok(c, 'A283', 'FETCH $ (FLAGS)');
    assert.deepEqual(
      fetched.slice(0, -1).map((l) => l.split(' ')[1]),
      ['2', '10', '11'],
    );
    assert.equal((await ok(c, 'A284', 'SEARCH $ NOT 10'))[0], '* SEARCH 2 11');
    assert.equal((await ok(c, 'A285', 'SEARCH UID $'))[0], '* SEARCH 2 10 11');
    assert.match(
      (await ok(c, 'A286', 'UID COPY $ Trash')).at(-1)!,
      /^A286 OK \[COPYUID \d+ \d+,\d+:\d+ 1:3\]/,
    );
    assert.equal(
      (await ok(c, 'A287', 'SEARCH RETURN (SAVE MIN MAX) FLAGGED'))[0],
      '* ESEARCH (TAG "A287") MIN 2 MAX 11',
    );
    assert.equal((await ok(c, 'A288', 'SEARCH $'))[0], '* SEARCH 2 11');
    assert.match((await run(c, 'A289', 'SEARCH RETURN (SAVE) NOSUCHKEY')).at(-1)!, /^A289 BAD /);
    assert.equal((await ok(c, 'A290', 'SEARCH $'))[0], '* SEARCH');
    assert.equal((await ok(c, 'A291', 'FETCH $ (FLAGS)')).length, 1, 'an empty $ fetches nothing');
    await ok(c, 'A292', 'SELECT INBOX');
    assert.equal((await ok(c, 'A293', 'SEARCH $'))[0], '* SEARCH', 'SELECT forgets the saved result');
  });

  it('RFC 5032: OLDER and YOUNGER against the internal date', async () => {
    const c = await selected();
    // RFC 5032 §3's example: unseen messages of the last three days.
    assert.equal((await ok(c, 'a', 'SEARCH UNSEEN YOUNGER 259200'))[0], '* SEARCH 2 4 5 6 7 8 9 10 11');
    assert.equal((await ok(c, 'b', 'SEARCH OLDER 259200'))[0], '* SEARCH 1 12');
    assert.equal((await ok(c, 'c', 'SEARCH YOUNGER 9000 OLDER 3000'))[0], '* SEARCH 2');
  });

  it('python imaplib: ESEARCH, SEARCHRES and WITHIN as advertised', async () => {
    const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {'caps': [c for c in m.capabilities if c in ('ESEARCH', 'SEARCHRES', 'WITHIN')]}
m.login('test', 'secret')
m.select('INBOX')
typ, data = m._simple_command('SEARCH', 'RETURN', '(MIN COUNT)', 'FLAGGED', 'SINCE', '1-Feb-1994', 'NOT', 'FROM', '"Smith"')
out['esearch'] = m._untagged_response(typ, data, 'ESEARCH')[1][0].decode()
typ, data = m._simple_command('SEARCH', 'RETURN', '(SAVE)', 'FLAGGED')
out['save'] = typ
typ, data = m.fetch('$', '(UID)')
out['fetch'] = [d.decode().split(' ')[0] for d in data]
typ, data = m.search(None, 'YOUNGER', '259200', 'UNSEEN')
out['within'] = data[0].decode()
m.logout()
print(json.dumps(out))
`;
    const result = await python(script, [String(sb.ports.imap!)], 20_000);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(out.caps, ['ESEARCH', 'SEARCHRES', 'WITHIN']);
    assert.match(out.esearch as string, /^\(TAG "[A-Z]+\d+"\) MIN 2 COUNT 3$/);
    assert.equal(out.save, 'OK');
    assert.deepEqual(out.fetch, ['2', '5', '10', '11']);
    assert.equal(out.within, '2 4 5 6 7 8 9 10 11');
  });

  it('a scenario removing ESEARCH, SEARCHRES and WITHIN switches them off', async () => {
    const scenario = await parseScenario(
      'description: plain search\nimap:\n  capabilities: { remove: [ESEARCH, SEARCHRES, WITHIN] }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    try {
      await plain.store.append(plain.store.maildropFor('test'), 'INBOX', message(1, 'a@b', 'x'));
      const c = await RawClient.connect(plain.ports.imap!);
      clients.push(c);
      assert.doesNotMatch(await c.readLine(), /ESEARCH|SEARCHRES|WITHIN/);
      await ok(c, 'l', 'LOGIN test secret');
      await ok(c, 's', 'SELECT INBOX');
      assert.match((await run(c, 'a', 'SEARCH RETURN (MIN) ALL')).at(-1)!, /^a BAD /);
      assert.match((await run(c, 'b', 'SEARCH YOUNGER 10')).at(-1)!, /^b BAD /);
      assert.match((await run(c, 'c', 'SEARCH $')).at(-1)!, /^c BAD /);
      assert.equal((await ok(c, 'd', 'SEARCH ALL'))[0], '* SEARCH 1');
    } finally {
      await plain.close();
    }
  });
});
