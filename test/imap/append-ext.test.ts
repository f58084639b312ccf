import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { ok, run } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

const FIRST =
  'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example.COM>\r\n' +
  'Subject: afternoon meeting\r\nTo: mooch@owatagu.example.net\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n';
const SECOND =
  'Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\nFrom: Joe Mooch <mooch@OWATAGU.example.net>\r\n' +
  'Subject: Re: afternoon meeting\r\nTo: foobar@blurdybloop.example.com\r\n\r\n3:30 is fine with me.\r\n';

/** Sends a command whose `{n}` literals are given as Buffers between text pieces, waiting for `+`. */
async function withLiterals(c: RawClient, tag: string, pieces: (string | Buffer)[]): Promise<string[]> {
  let line = `${tag} `;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      line += piece;
      continue;
    }
    c.send(`${line}{${piece.length}}`);
    const reply = await c.readLine();
    if (!reply.startsWith('+')) return [reply];
    c.write(piece);
    line = '';
  }
  c.send(line);
  return c.readUntil(new RegExp(`^${tag} `));
}

/** MULTIAPPEND (RFC 3502), CATENATE (RFC 4469), APPENDLIMIT (RFC 7889) and a scenario's QUOTA (RFC 9208). */
describe('IMAP APPEND extensions and QUOTA', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    const scenario = await parseScenario(
      'description: small quota\nimap:\n  quota: { storage: 2, messages: 4 }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    sb = await startTestSandbox({ listeners: ['imap'], scenario });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  async function loggedIn(): Promise<RawClient> {
    const c = await RawClient.connect(sb.ports.imap!);
    clients.push(c);
    const greeting = await c.readLine();
    assert.match(
      greeting,
      / MULTIAPPEND CATENATE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE APPENDLIMIT=\d+ /,
    );
    await ok(c, 'l', 'LOGIN test secret');
    return c;
  }

  it('RFC 3502 §6.3.11: two messages in one APPEND, one APPENDUID set; TRYCREATE for a missing mailbox', async () => {
    const c = await loggedIn();
    await ok(c, 'c', 'CREATE saved-messages');
    const lines = await withLiterals(c, 'A003', [
      'APPEND saved-messages (\\Seen) ',
      Buffer.from(FIRST),
      ' (\\Seen) " 7-Feb-1994 22:43:04 -0800" ',
      Buffer.from(SECOND),
    ]);
    assert.match(lines.at(-1)!, /^A003 OK \[APPENDUID \d+ 1:2\] APPEND completed$/);
    const folder = await sb.store.folder(sb.store.maildropFor('test'), 'saved-messages');
    assert.deepEqual(
      folder!.messages.map((m) => m.raw.toString()),
      [FIRST, SECOND],
    );
    assert.equal(folder!.messages[1]!.internalDate.toISOString(), '1994-02-08T06:43:04.000Z');
    const missing = await withLiterals(c, 'A004', ['APPEND bogusname (\\Flagged) ', Buffer.from(FIRST)]);
    assert.match(missing.at(-1)!, /^A004 NO \[TRYCREATE\]/);
  });

  it('MULTIAPPEND is all or nothing: a bad second message stores neither', async () => {
    const c = await loggedIn();
    await ok(c, 'c', 'CREATE atomic');
    const lines = await withLiterals(c, 'a', [
      'APPEND atomic ',
      Buffer.from(FIRST),
      ' (\\Recent) ',
      Buffer.from(SECOND),
    ]);
    assert.match(lines.at(-1)!, /^a BAD /);
    const folder = await sb.store.folder(sb.store.maildropFor('test'), 'atomic');
    assert.equal(folder!.messages.length, 0);
  });

  it('RFC 4469 §4: CATENATE from TEXT parts and URLs of stored messages; BADURL for a wrong one', async () => {
    const c = await loggedIn();
    const uidValidity = (await sb.store.folder(sb.store.maildropFor('test'), 'saved-messages'))!.uidValidity;
    const url = (rest: string) => `"/saved-messages;UIDVALIDITY=${uidValidity}/;UID=${rest}"`;
    const text = Buffer.from('\r\n--- forwarded ---\r\n');
    const lines = await withLiterals(c, 'A003', [
      `APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL ${url('2/;SECTION=HEADER')} TEXT `,
      text,
      ` URL ${url('1/;SECTION=TEXT')} URL ${url('2/;SECTION=TEXT/;PARTIAL=0.4')})`,
    ]);
    assert.match(lines.at(-1)!, /^A003 OK \[APPENDUID \d+ 1\]/, lines.join('\n'));
    const drafts = await sb.store.folder(sb.store.maildropFor('test'), 'Drafts');
    const header = SECOND.slice(0, SECOND.indexOf('\r\n\r\n') + 4);
    assert.equal(
      drafts!.messages[0]!.raw.toString(),
      header + text.toString() + 'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n' + '3:30',
    );
    const wrong = await run(c, 'A004', `APPEND Drafts CATENATE (URL "/saved-messages;UIDVALIDITY=1/;UID=1")`);
    assert.match(wrong.at(-1)!, /^A004 NO \[BADURL "\/saved-messages;UIDVALIDITY=1\/;UID=1"\]/);
  });

  it('RFC 9208: GETQUOTAROOT, GETQUOTA, SETQUOTA refused; APPEND and COPY over quota get NO [OVERQUOTA]', async () => {
    const c = await loggedIn();
    // Three messages so far: saved-messages 1 and 2, the catenated draft.
    const root = await ok(c, 'a', 'GETQUOTAROOT INBOX');
    assert.deepEqual(root.slice(0, 2), ['* QUOTAROOT "INBOX" ""', '* QUOTA "" (STORAGE 1 2 MESSAGE 3 4)']);
    assert.equal((await ok(c, 'b', 'GETQUOTA ""'))[0], '* QUOTA "" (STORAGE 1 2 MESSAGE 3 4)');
    assert.match((await run(c, 'c', 'GETQUOTA "other"')).at(-1)!, /^c NO \[NONEXISTENT\]/);
    assert.match((await run(c, 'd', 'SETQUOTA "" (STORAGE 100)')).at(-1)!, /^d NO \[NOPERM\]/);
    const big = Buffer.from(`Subject: big\r\n\r\n${'x'.repeat(1500)}\r\n`);
    assert.match((await withLiterals(c, 'e', ['APPEND INBOX ', big])).at(-1)!, /^e NO \[OVERQUOTA\]/);
    await ok(c, 's', 'SELECT saved-messages');
    assert.match((await run(c, 'f', 'COPY 1:2 INBOX')).at(-1)!, /^f NO \[OVERQUOTA\]/);
    await ok(c, 'g', 'COPY 1 INBOX');
    assert.match(
      (await run(c, 'h', 'COPY 1 INBOX')).at(-1)!,
      /^h NO \[OVERQUOTA\] over quota: message limit is 4/,
    );
    assert.equal(
      (await ok(c, 'i', 'STATUS INBOX (MESSAGES APPENDLIMIT DELETED)'))[0],
      `* STATUS "INBOX" (MESSAGES 1 APPENDLIMIT ${50 * 1024 * 1024} DELETED 0)`,
    );
  });

  it('python imaplib: getquotaroot()', async () => {
    const script = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('test', 'secret')
out = {'root': [[d.decode() for d in part] for part in m.getquotaroot('saved-messages')[1]]}
m.logout()
print(json.dumps(out))
`;
    const result = await python(script, [String(sb.ports.imap!)], 20_000);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { root: string[][] };
    assert.deepEqual(out.root, [['"saved-messages" ""'], ['"" (STORAGE 1 2 MESSAGE 4 4)']]);
  });

  it('a scenario removing MULTIAPPEND, CATENATE and QUOTA switches them off', async () => {
    const scenario = await parseScenario(
      'description: plain append\nimap:\n  capabilities: { remove: [MULTIAPPEND, CATENATE, QUOTA] }\n',
      { label: 'inline.yaml', name: 'inline' },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    try {
      const c = await RawClient.connect(plain.ports.imap!);
      clients.push(c);
      assert.doesNotMatch(await c.readLine(), /MULTIAPPEND|CATENATE|QUOTA /);
      await ok(c, 'l', 'LOGIN test secret');
      const two = await withLiterals(c, 'a', ['APPEND INBOX ', Buffer.from(FIRST), ' ', Buffer.from(SECOND)]);
      assert.match(two.at(-1)!, /^a BAD .*MULTIAPPEND/);
      assert.match((await run(c, 'b', 'APPEND INBOX CATENATE (URL "/INBOX/;UID=1")')).at(-1)!, /^b BAD /);
      assert.match((await run(c, 'c', 'GETQUOTAROOT INBOX')).at(-1)!, /^c BAD unknown command/);
      assert.equal((await plain.store.folder(plain.store.maildropFor('test'), 'INBOX'))!.messages.length, 0);
    } finally {
      await plain.close();
    }
  });
});
