import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { ok, run, signedIn } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

/** Mailbox names kept in Unicode: modified UTF-7 on the wire (RFC 3501 §5.1.3), UTF-8 after ENABLE
 *  UTF8=ACCEPT (RFC 6855), percent-encoded on disk with --maildir. */
describe('IMAP mailbox names: modified UTF-7 and UTF8=ACCEPT', () => {
  const dir = tempDir();
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'], maildir: dir });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  const loggedIn = () => signedIn(sb.ports.imap!, clients);

  it('decodes mUTF-7 names into the store and lists them in mUTF-7', async () => {
    const c = await loggedIn();
    await ok(c, 'a', 'CREATE "Entw&APw-rfe"');
    await ok(c, 'b', 'CREATE "~peter/mail/&U,BTFw-/&ZeVnLIqe-"');
    await ok(c, 'c', 'CREATE "Tom &- Jerry"');
    const names = (await sb.store.folders(sb.store.maildropFor('test'))).map((f) => f.name);
    assert.ok(
      names.includes('Entwürfe') &&
        names.includes('~peter/mail/台北/日本語') &&
        names.includes('Tom & Jerry'),
    );
    assert.deepEqual((await ok(c, 'd', 'LIST "" "Entw*"')).slice(0, -1), [
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"',
    ]);
    assert.deepEqual((await ok(c, 'e', 'LIST "~peter/mail/" "%"')).slice(0, -1), [
      '* LIST (\\HasChildren) "/" "~peter/mail/&U,BTFw-"',
    ]);
    assert.equal(
      (await ok(c, 'f', 'STATUS "Tom &- Jerry" (MESSAGES)'))[0],
      '* STATUS "Tom &- Jerry" (MESSAGES 0)',
    );
    await ok(c, 'g', 'SELECT "Entw&APw-rfe"');
    assert.match((await run(c, 'h', 'CREATE "bad&name"')).at(-1)!, /^h NO .*modified UTF-7/);
    assert.match((await run(c, 'i', 'SELECT "&AGE-"')).at(-1)!, /^i NO /);
  });

  it('after ENABLE UTF8=ACCEPT names go both ways in UTF-8; other sessions still see mUTF-7', async () => {
    const c = await loggedIn();
    assert.deepEqual(await ok(c, 'a', 'ENABLE UTF8=ACCEPT'), [
      '* ENABLED UTF8=ACCEPT',
      'a OK ENABLE completed',
    ]);
    await ok(c, 'b', 'CREATE "Grüße & more"');
    const listed = (await ok(c, 'c', 'LIST "" "Gr*"')).slice(0, -1);
    // RFC 6855 §3: a quoted string may now hold UTF-8.
    assert.deepEqual(listed, ['* LIST (\\HasNoChildren) "/" "Grüße & more"']);
    await ok(c, 'd', 'SELECT "Entwürfe"');
    const other = await loggedIn();
    assert.deepEqual((await ok(other, 'e', 'LIST "" "Gr*"')).slice(0, -1), [
      '* LIST (\\HasNoChildren) "/" "Gr&APwA3w-e &- more"',
    ]);
  });

  it('RFC 6855 §4: APPEND UTF8 (~{n}) after ENABLE UTF8=ACCEPT, BAD before', async () => {
    const c = await loggedIn();
    const message = Buffer.from('Subject: Grüße\r\nFrom: jörg@example.org\r\n\r\nHallo\r\n');
    c.write(`a APPEND INBOX UTF8 (~{${message.length}+}\r\n`);
    c.write(Buffer.concat([message, Buffer.from(')\r\n')]));
    assert.match((await c.readUntil(/^a /)).at(-1)!, /^a BAD .*UTF8=ACCEPT/);
    await ok(c, 'b', 'ENABLE UTF8=ACCEPT');
    c.write(`c APPEND "Entwürfe" (\\Seen) UTF8 (~{${message.length}+}\r\n`);
    c.write(Buffer.concat([message, Buffer.from(')\r\n')]));
    assert.match((await c.readUntil(/^c /)).at(-1)!, /^c OK \[APPENDUID \d+ 1\]/);
    const folder = await sb.store.folder(sb.store.maildropFor('test'), 'Entwürfe');
    assert.deepEqual(folder!.messages[0]!.raw, message);
  });

  it('names stay inside the Maildir root, percent-encoded', async () => {
    const drops = readdirSync(dir).filter((n) => !n.endsWith('.json'));
    assert.equal(drops.length, 1);
    const folders = readdirSync(`${dir}/${drops[0]}`);
    assert.ok(folders.includes('.Entw%C3%BCrfe'), folders.join(' '));
    assert.ok(
      folders.includes('.%7Epeter.mail.%E5%8F%B0%E5%8C%97.%E6%97%A5%E6%9C%AC%E8%AA%9E'),
      folders.join(' '),
    );
  });

  it('python imaplib: mUTF-7 names before, UTF-8 names after enable()', async () => {
    const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {'utf8': 'UTF8=ACCEPT' in m.capabilities}
m.login('test', 'secret')
out['create'] = m.create('"&ZeVnLIqe-"')[0]
out['before'] = [d.decode() for d in m.list('""', '"&ZeVnLIqe-*"')[1]]
out['enable'] = m.enable('UTF8=ACCEPT')[0]
out['after'] = [d.decode('utf-8') for d in m.list('""', '"日本*"')[1]]
out['select'] = m.select('"日本語"')[0]
m.logout()
print(json.dumps(out))
`;
    const result = await python(script, [String(sb.ports.imap!)], 20_000);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(out.utf8, true);
    assert.equal(out.create, 'OK');
    assert.deepEqual(out.before, ['(\\HasNoChildren) "/" "&ZeVnLIqe-"']);
    assert.equal(out.enable, 'OK');
    assert.equal(out.select, 'OK');
    assert.deepEqual(out.after, ['(\\HasNoChildren) "/" "日本語"']);
  });

  it('a scenario removing UTF8=ACCEPT leaves ENABLE enabling nothing, and names in mUTF-7', async () => {
    const scenario = await parseScenario(
      'description: no utf8\nimap:\n  capabilities: { remove: [UTF8=ACCEPT] }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    try {
      await plain.store.createFolder(plain.store.maildropFor('test'), 'Entwürfe');
      const c = await RawClient.connect(plain.ports.imap!);
      clients.push(c);
      assert.doesNotMatch(await c.readLine(), /UTF8=ACCEPT/);
      await ok(c, 'l', 'LOGIN test secret');
      assert.deepEqual(await ok(c, 'a', 'ENABLE UTF8=ACCEPT'), ['* ENABLED', 'a OK ENABLE completed']);
      assert.deepEqual((await ok(c, 'b', 'LIST "" "Entw*"')).slice(0, -1), [
        '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"',
      ]);
    } finally {
      await plain.close();
    }
  });
});
