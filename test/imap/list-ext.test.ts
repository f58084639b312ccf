import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { ok, run, signedIn } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** Mailbox listing: LSUB's unsubscribed parents, LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819),
 *  CREATE-SPECIAL-USE (RFC 6154) and STATUS=SIZE (RFC 8438). */
describe('IMAP LIST and LSUB', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'] });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  const loggedIn = () => signedIn(sb.ports.imap!, clients);

  it('LSUB with % lists an unsubscribed parent of a subscribed mailbox as \\Noselect (RFC 3501 §6.3.9)', async () => {
    const c = await loggedIn();
    await ok(c, 'a', 'CREATE imaptest/test/child');
    await ok(c, 'b', 'SUBSCRIBE imaptest/test/child');
    assert.deepEqual((await ok(c, 'c', 'LSUB "" imaptest/%')).slice(0, -1), [
      '* LSUB (\\Noselect) "/" "imaptest/test"',
    ]);
    assert.deepEqual((await ok(c, 'd', 'LSUB "" imaptest/test/%')).slice(0, -1), [
      '* LSUB (\\HasNoChildren) "/" "imaptest/test/child"',
    ]);
    await ok(c, 'e', 'SUBSCRIBE imaptest/test');
    assert.deepEqual((await ok(c, 'f', 'LSUB "" imaptest/%')).slice(0, -1), [
      '* LSUB (\\HasChildren) "/" "imaptest/test"',
    ]);
  });

  describe('LIST-EXTENDED, LIST-STATUS, CREATE-SPECIAL-USE, STATUS=SIZE', () => {
    after(async () => {
      c.close();
      await xs.close();
    });
    let c: RawClient;
    let xs: Sandbox;
    before(async () => {
      // A sandbox of its own: the LSUB case above leaves its mailboxes behind.
      xs = await startTestSandbox({ listeners: ['imap'] });
      c = await RawClient.connect(xs.ports.imap!);
      clients.push(c);
      await c.readLine();
      await ok(c, 'l', 'LOGIN test secret');
      for (const name of ['Fruit/Apple', 'Fruit/Banana', 'Fruit/Peach', 'Tofu', 'Vegetable/Broccoli'])
        await ok(c, 'c', `CREATE ${name}`);
      // A level that exists only as a hierarchy: the store makes the child alone.
      await xs.store.createFolder(xs.store.maildropFor('test'), 'Ghost/Child');
      for (const name of ['Fruit/Banana', 'Fruit/Peach', 'Vegetable/Broccoli', 'Ghost/Child'])
        await ok(c, 's', `SUBSCRIBE ${name}`);
      await xs.store.append(xs.store.maildropFor('test'), 'Tofu', Buffer.from('Subject: a\r\n\r\n12345\r\n'));
    });

    it('RFC 5258 §5.2: LIST (SUBSCRIBED) "" "*" lists the subscribed mailboxes with \\Subscribed', async () => {
      assert.deepEqual((await ok(c, 'A02', 'LIST (SUBSCRIBED) "" "*"')).slice(0, -1), [
        '* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"',
        '* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"',
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Peach"',
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Ghost/Child"',
        '* LIST (\\HasNoChildren \\Junk \\Subscribed) "/" "Junk"',
        '* LIST (\\HasNoChildren \\Sent \\Subscribed) "/" "Sent"',
        '* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" "Trash"',
        '* LIST (\\HasNoChildren \\Subscribed) "/" "Vegetable/Broccoli"',
      ]);
    });

    it('RFC 5258 §5.8: SUBSCRIBED RECURSIVEMATCH with % gives CHILDINFO; \\NonExistent for a bare level', async () => {
      const lines = (await ok(c, 'A04', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')).slice(0, -1);
      assert.ok(
        lines.includes('* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))'),
        lines.join('\n'),
      );
      assert.ok(
        lines.includes('* LIST (\\NonExistent \\HasChildren) "/" "Ghost" ("CHILDINFO" ("SUBSCRIBED"))'),
      );
      assert.ok(lines.includes('* LIST (\\HasChildren) "/" "Vegetable" ("CHILDINFO" ("SUBSCRIBED"))'));
      assert.ok(lines.includes('* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"'));
      assert.ok(!lines.some((l) => l.includes('"Tofu"')), 'Tofu is neither subscribed nor a parent');
      assert.match((await run(c, 'A05', 'LIST (RECURSIVEMATCH) "" "%"')).at(-1)!, /^A05 BAD /);
      assert.match((await run(c, 'A06', 'LIST (NOSUCH) "" "%"')).at(-1)!, /^A06 BAD /);
    });

    it('several patterns in one LIST, RETURN (SUBSCRIBED CHILDREN), and an unchanged plain LIST', async () => {
      assert.deepEqual(
        (await ok(c, 'A07', 'LIST "" ("INBOX" "Fruit/%") RETURN (SUBSCRIBED CHILDREN)')).slice(0, -1),
        [
          '* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"',
          '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
          '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
          '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Peach"',
        ],
      );
      const plain = (await ok(c, 'A08', 'LIST "" "G%"')).slice(0, -1);
      assert.deepEqual(plain, ['* LIST (\\Noselect \\HasChildren) "/" "Ghost"']);
    });

    it('RFC 5819: LIST ... RETURN (STATUS (...)) follows each selectable mailbox with its STATUS; STATUS=SIZE', async () => {
      assert.deepEqual(
        (await ok(c, 'A01', 'LIST "" ("Tofu" "G*") RETURN (STATUS (MESSAGES UNSEEN SIZE))')).slice(0, -1),
        [
          '* LIST (\\NonExistent \\HasChildren) "/" "Ghost"',
          '* LIST (\\HasNoChildren) "/" "Ghost/Child"',
          '* STATUS "Ghost/Child" (MESSAGES 0 UNSEEN 0 SIZE 0)',
          '* LIST (\\HasNoChildren) "/" "Tofu"',
          '* STATUS "Tofu" (MESSAGES 1 UNSEEN 1 SIZE 21)',
        ],
      );
      assert.equal(
        (await ok(c, 'A02', 'STATUS Tofu (SIZE MESSAGES)'))[0],
        '* STATUS "Tofu" (SIZE 21 MESSAGES 1)',
      );
    });

    it('RFC 6154 §5.2: CREATE with (USE (...)); an unknown or second attribute is NO [USEATTR]', async () => {
      await ok(c, 't1', 'CREATE "Everything" (USE (\\All))');
      assert.match(
        (await run(c, 't2', 'CREATE MySpecial (USE (\\Drafts \\Sent))')).at(-1)!,
        /^t2 NO \[USEATTR\]/,
      );
      assert.match((await run(c, 't3', 'CREATE Other (USE (\\Fancy))')).at(-1)!, /^t3 NO \[USEATTR\]/);
      const special = (await ok(c, 't4', 'LIST (SPECIAL-USE) "" "*"')).slice(0, -1);
      assert.ok(special.includes('* LIST (\\HasNoChildren \\All) "/" "Everything"'), special.join('\n'));
      assert.equal(special.length, 5, 'the four default special-use folders and Everything');
    });

    it('python imaplib: extended LIST, LIST-STATUS and STATUS SIZE', async () => {
      const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {'caps': [c for c in m.capabilities if c in ('LIST-EXTENDED', 'LIST-STATUS', 'CREATE-SPECIAL-USE', 'STATUS=SIZE')]}
m.login('test', 'secret')
typ, data = m._simple_command('LIST', '(SUBSCRIBED)', '""', '"Fruit/*"')
out['subscribed'] = [d.decode() for d in m._untagged_response(typ, data, 'LIST')[1]]
typ, data = m._simple_command('LIST', '""', 'Tofu', 'RETURN', '(STATUS (MESSAGES SIZE))')
out['status'] = [d.decode() for d in m._untagged_response(typ, data, 'STATUS')[1]]
out['size'] = m.status('Tofu', '(SIZE)')[1][0].decode()
m.logout()
print(json.dumps(out))
`;
      const result = await python(script, [String(xs.ports.imap!)], 20_000);
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout) as Record<string, unknown>;
      assert.deepEqual(out.caps, ['LIST-EXTENDED', 'LIST-STATUS', 'CREATE-SPECIAL-USE', 'STATUS=SIZE']);
      assert.deepEqual(out.subscribed, [
        '(\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
        '(\\HasNoChildren \\Subscribed) "/" "Fruit/Peach"',
      ]);
      assert.deepEqual(out.status, ['"Tofu" (MESSAGES 1 SIZE 21)']);
      assert.equal(out.size, '"Tofu" (SIZE 21)');
    });
  });

  it('a scenario removing LIST-EXTENDED, LIST-STATUS, CREATE-SPECIAL-USE and STATUS=SIZE switches them off', async () => {
    const scenario = await parseScenario(
      'description: plain lists\nimap:\n  capabilities: { remove: [LIST-EXTENDED, LIST-STATUS, CREATE-SPECIAL-USE, STATUS=SIZE] }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    try {
      const c = await RawClient.connect(plain.ports.imap!);
      clients.push(c);
      assert.doesNotMatch(await c.readLine(), /LIST-|CREATE-SPECIAL-USE|STATUS=SIZE/);
      await ok(c, 'l', 'LOGIN test secret');
      assert.match((await run(c, 'a', 'LIST (SUBSCRIBED) "" "*"')).at(-1)!, /^a BAD /);
      assert.match((await run(c, 'b', 'LIST "" ("INBOX" "Sent")')).at(-1)!, /^b BAD /);
      assert.match((await run(c, 'c', 'LIST "" "*" RETURN (STATUS (MESSAGES))')).at(-1)!, /^c BAD /);
      assert.match((await run(c, 'd', 'STATUS INBOX (SIZE)')).at(-1)!, /^d BAD /);
      assert.match((await run(c, 'e', 'CREATE x (USE (\\All))')).at(-1)!, /^e BAD /);
      assert.equal(
        (await ok(c, 'f', 'LIST (SPECIAL-USE) "" "Sent"'))[0],
        '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
      );
    } finally {
      await plain.close();
    }
  });
});
