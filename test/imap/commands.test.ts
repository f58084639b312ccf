import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Sandbox } from '../../src/index.js';
import { ok, run } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** Raw exchanges for what the third-party clients do not exercise: SASL by hand, read-only mailboxes,
 *  STORE variants, COPY/UID EXPUNGE/CLOSE, updates from another session, mailbox management, SEARCH keys. */
describe('IMAP commands by hand', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap'], users: { test: 'testpass' } });
    for (const subject of ['first', 'second', 'third'])
      assert.match(await sendMail({ port: sb.ports.smtp!, raw: sampleMessage(subject) }), /^250 /);
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  async function connect(): Promise<RawClient> {
    const c = await RawClient.connect(sb.ports.imap!);
    clients.push(c);
    assert.match(await c.readLine(), /^\* OK \[CAPABILITY IMAP4rev1 .*\] mailsandbox ready$/);
    return c;
  }
  async function loggedIn(): Promise<RawClient> {
    const c = await connect();
    await ok(c, 'l', 'LOGIN test testpass');
    return c;
  }

  it('AUTHENTICATE CRAM-MD5 as in the article, decoded in the transcript', async () => {
    const c = await connect();
    c.send('01 AUTHENTICATE CRAM-MD5');
    const challenge = (await c.readLine()).slice(2);
    const decoded = Buffer.from(challenge, 'base64').toString();
    assert.match(decoded, /^<\d+\.\d+@mailsandbox\.localhost>$/);
    const digest = createHmac('md5', 'testpass').update(decoded).digest('hex');
    c.send(Buffer.from(`test ${digest}`).toString('base64'));
    assert.match(await c.readLine(), /^01 OK \[CAPABILITY .*\] test authenticated \(CRAM-MD5\)$/);
    const sid = sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .at(-1)!.sid;
    const lines = sb.transcript.history(sid);
    assert.ok(
      lines.some((e) => e.type === 'server-line' && e.decoded === decoded),
      'challenge shown decoded',
    );
    assert.ok(lines.some((e) => e.type === 'client-line' && e.decoded === `user="test" digest=${digest}`));
  });

  it('SASL-IR PLAIN, a wrong password, and `*` cancelling an exchange', async () => {
    const c = await connect();
    assert.match(
      (await run(c, 'a', 'AUTHENTICATE PLAIN ' + Buffer.from('\0test\0bad').toString('base64'))).at(-1)!,
      /^a NO \[AUTHENTICATIONFAILED\]/,
    );
    c.send('b AUTHENTICATE LOGIN');
    assert.equal(await c.readLine(), '+ VXNlcm5hbWU6');
    c.send('*');
    assert.match(await c.readLine(), /^b BAD AUTHENTICATE cancelled/);
    assert.match(
      (await run(c, 'c', 'AUTHENTICATE PLAIN ' + Buffer.from('\0test\0testpass').toString('base64'))).at(-1)!,
      /^c OK /,
    );
    const sid = sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .at(-1)!.sid;
    assert.ok(
      sb.transcript
        .history(sid)
        .some((e) => e.type === 'client-line' && e.decoded === 'authzid="" user="test" password="bad"'),
    );
  });

  it('EXAMINE is read-only: no \\Seen from FETCH, STORE refused', async () => {
    const c = await loggedIn();
    const lines = await ok(c, 'e', 'EXAMINE INBOX');
    assert.match(lines.join('\n'), /\* OK \[PERMANENTFLAGS \(\)\]/);
    assert.match(lines.at(-1)!, /^e OK \[READ-ONLY\]/);
    const fetch = await ok(c, 'f', 'FETCH 1 (BODY[TEXT]<0.8>)');
    assert.match(fetch[0]!, /^\* 1 FETCH \(BODY\[TEXT\]<0> \{8\}$/);
    assert.doesNotMatch(fetch.join('\n'), /FLAGS/);
    assert.match((await run(c, 's', 'STORE 1 +FLAGS (\\Seen)')).at(-1)!, /^s NO \[READ-ONLY\]/);
  });

  it('STORE FLAGS, +FLAGS.SILENT, -FLAGS and UID STORE', async () => {
    const c = await loggedIn();
    // The first SELECT of the INBOX: its messages are \Recent here, after the system flags as Dovecot
    // writes them; STORE neither sets nor clears it.
    await ok(c, 's', 'SELECT INBOX');
    // A keyword new to the mailbox is announced in FLAGS before the first FETCH carries it (RFC 3501 §7.2.6).
    assert.deepEqual(await ok(c, 'a', 'STORE 1:2 FLAGS (\\Flagged work)'), [
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work \\*)] Flags permitted',
      '* 1 FETCH (FLAGS (\\Flagged \\Recent work))',
      '* 2 FETCH (FLAGS (\\Flagged \\Recent work))',
      'a OK STORE completed',
    ]);
    assert.deepEqual(await ok(c, 'b', 'STORE 1 +FLAGS.SILENT (\\Answered)'), ['b OK STORE completed']);
    assert.deepEqual(await ok(c, 'c', 'UID STORE 1 -FLAGS (work)'), [
      '* 1 FETCH (UID 1 FLAGS (\\Flagged \\Answered \\Recent))',
      'c OK UID STORE completed',
    ]);
    assert.deepEqual(await ok(c, 'd', 'STORE 1:2 FLAGS ()'), [
      '* 1 FETCH (FLAGS (\\Recent))',
      '* 2 FETCH (FLAGS (\\Recent))',
      'd OK STORE completed',
    ]);
    assert.match((await run(c, 'e', 'STORE 1 +FLAGS (\\Recent)')).at(-1)!, /^e BAD /);
  });

  it("another session's expunge is announced after FETCH, not during it; flags as untagged FETCH", async () => {
    const a = await loggedIn();
    const b = await loggedIn();
    await ok(a, 's', 'SELECT INBOX');
    await ok(b, 's', 'SELECT INBOX');
    await ok(b, 'c', 'COPY 1 INBOX');
    assert.deepEqual(await ok(a, 'm', 'NOOP'), ['* 4 EXISTS', 'm OK NOOP completed']);
    await ok(b, 'x', 'STORE 4 +FLAGS.SILENT (\\Deleted)');
    await ok(b, 'y', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
    await ok(b, 'z', 'EXPUNGE');
    const during = await ok(a, 'f', 'FETCH 1 (UID)');
    // The expunged message is still numbered 4 for this session: its flag change is news, its removal waits.
    assert.deepEqual(during, [
      '* 1 FETCH (UID 1)',
      '* 2 FETCH (UID 2 FLAGS (\\Flagged))',
      '* 4 FETCH (UID 4 FLAGS (\\Deleted))',
      'f OK FETCH completed',
    ]);
    assert.deepEqual(await ok(a, 'n', 'NOOP'), ['* 4 EXPUNGE', 'n OK NOOP completed']);
    await ok(b, 'u', 'STORE 2 -FLAGS.SILENT (\\Flagged)');
  });

  it('COPY answers COPYUID; UID EXPUNGE removes only the named \\Deleted; CLOSE expunges silently', async () => {
    const c = await loggedIn();
    await ok(c, 'cr', 'CREATE Archive');
    await ok(c, 's', 'SELECT INBOX');
    const copy = await ok(c, 'c', 'COPY 1:3 Archive');
    const archive = await sb.store.folder(sb.store.maildropNames()[0]!, 'Archive');
    assert.equal(copy.at(-1), `c OK [COPYUID ${archive!.uidValidity} 1:3 1:3] COPY completed`);
    assert.match((await run(c, 't', 'COPY 1 Nowhere')).at(-1)!, /^t NO \[TRYCREATE\]/);
    await ok(c, 'a', 'SELECT Archive');
    await ok(c, 'd', 'STORE 1:3 +FLAGS.SILENT (\\Deleted)');
    // The copies were \Recent for this first SELECT of Archive; one fewer now (Dovecot says so too).
    assert.deepEqual(await ok(c, 'x', 'UID EXPUNGE 2'), [
      '* 2 EXPUNGE',
      '* 2 RECENT',
      'x OK UID EXPUNGE completed',
    ]);
    assert.deepEqual(await ok(c, 'cl', 'CLOSE'), ['cl OK CLOSE completed']);
    assert.equal((await sb.store.folder(sb.store.maildropNames()[0]!, 'Archive'))!.messages.length, 0);
    assert.match((await run(c, 'f', 'FETCH 1 FLAGS')).at(-1)!, /^f BAD /);
  });

  it('CREATE, RENAME with children, SUBSCRIBE/LSUB, STATUS, DELETE', async () => {
    const c = await loggedIn();
    await ok(c, 'a', 'CREATE Work/Old');
    assert.match((await run(c, 'b', 'CREATE Work')).at(-1)!, /^b NO \[ALREADYEXISTS\]/);
    await ok(c, 'c', 'RENAME Work Jobs');
    const list = await ok(c, 'd', 'LIST "" Jobs*');
    assert.deepEqual(list, [
      '* LIST (\\HasChildren) "/" "Jobs"',
      '* LIST (\\HasNoChildren) "/" "Jobs/Old"',
      'd OK LIST completed',
    ]);
    assert.deepEqual(await ok(c, 'e', 'LIST "" %/%'), [
      '* LIST (\\HasNoChildren) "/" "Jobs/Old"',
      'e OK LIST completed',
    ]);
    await ok(c, 'f', 'SUBSCRIBE Jobs/Old');
    const lsub = await ok(c, 'g', 'LSUB "" "*"');
    assert.ok(lsub.includes('* LSUB (\\HasNoChildren) "/" "Jobs/Old"'));
    assert.ok(!lsub.some((l) => /"Jobs"$/.test(l)), 'Jobs itself is not subscribed');
    assert.deepEqual(await ok(c, 'h', 'STATUS inbox (MESSAGES UNSEEN)'), [
      '* STATUS "INBOX" (MESSAGES 3 UNSEEN 3)',
      'h OK STATUS completed',
    ]);
    await ok(c, 'i', 'DELETE Jobs/Old');
    assert.match((await run(c, 'j', 'DELETE INBOX')).at(-1)!, /^j NO /);
    assert.match((await run(c, 'k', 'STATUS Jobs/Old (MESSAGES)')).at(-1)!, /^k NO \[NONEXISTENT\]/);
    assert.deepEqual(await ok(c, 'l2', 'LIST "" ""'), ['* LIST (\\Noselect) "/" ""', 'l2 OK LIST completed']);
  });

  it('SEARCH keys', async () => {
    const c = await loggedIn();
    await ok(c, 's', 'SELECT INBOX');
    const search = async (criteria: string) => (await ok(c, 'q', `SEARCH ${criteria}`))[0];
    assert.equal(await search('ALL'), '* SEARCH 1 2 3');
    assert.equal(await search('SUBJECT second'), '* SEARCH 2');
    assert.equal(await search('OR SUBJECT first SUBJECT third'), '* SEARCH 1 3');
    assert.equal(await search('NOT SUBJECT first 2:*'), '* SEARCH 2 3');
    assert.equal(await search('HEADER Message-ID sample-1'), '* SEARCH 1 2 3');
    assert.equal(await search('BODY grüße'), '* SEARCH 1 2 3');
    assert.equal(await search('TEXT "starts with a dot"'), '* SEARCH 1 2 3');
    assert.equal(await search('SENTON 28-Nov-2026'), '* SEARCH 1 2 3');
    assert.equal(await search('SENTBEFORE 28-Nov-2026'), '* SEARCH');
    assert.equal(await search(`SINCE 1-Jan-2000 LARGER 100 SMALLER 100000`), '* SEARCH 1 2 3');
    assert.equal(await search('UID 2,3 UNSEEN'), '* SEARCH 2 3');
    assert.equal(await search('CHARSET UTF-8 BODY {6+}\r\ngrüß'), '* SEARCH 1 2 3');
    assert.equal((await ok(c, 'u', 'UID SEARCH SUBJECT third'))[0], '* SEARCH 3');
    assert.match(
      (await run(c, 'z', 'SEARCH CHARSET ISO-2022-JP ALL')).at(-1)!,
      /^z NO \[BADCHARSET \(US-ASCII UTF-8\)\]/,
    );
  });

  it('FETCH metadata: bodies of a multipart and addresses of a list run without spaces, as Dovecot sends them', async () => {
    const message = readFileSync(
      new URL('../../../test/fixtures/mime/two-parts.eml', import.meta.url),
      'latin1',
    );
    const c = await loggedIn();
    await ok(c, 'a', 'CREATE Shapes');
    c.write(`b APPEND Shapes (\\Seen) "28-Nov-2026 09:00:00 +0100" {${message.length}+}\r\n${message}\r\n`);
    assert.match((await c.readUntil(/^b /)).at(-1)!, /^b OK \[APPENDUID \d+ 1\]/);
    await ok(c, 's', 'EXAMINE Shapes');
    const lines = await ok(
      c,
      'f',
      'FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODY BODYSTRUCTURE)',
    );
    // ENVELOPE, BODY and BODYSTRUCTURE are byte for byte what Dovecot 2.3.19 answers for this message;
    // EXAMINE shows the unclaimed message as \Recent without claiming it, as Dovecot does.
    const expected =
      '* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) RFC822.SIZE 410 INTERNALDATE "28-Nov-2026 08:00:00 +0000" ' +
      'ENVELOPE ("Sat, 28 Nov 2026 09:00:00 +0100" "two parts" (("Alice" NIL "a" "x")) (("Alice" NIL "a" "x")) ' +
      '(("Alice" NIL "a" "x")) (("A" NIL "a" "x")("B" NIL "b" "y")) NIL NIL NIL "<two@x>") ' +
      'BODY (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 0)' +
      '("application" "octet-stream" ("name" "f.bin") NIL NIL "base64" 4) "mixed") ' +
      'BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)' +
      '("application" "octet-stream" ("name" "f.bin") NIL NIL "base64" 4 NIL ("attachment" ("filename" "f.bin")) NIL NIL) ' +
      '"mixed" ("boundary" "b1") NIL NIL NIL))';
    assert.deepEqual(lines, [expected, 'f OK FETCH completed']);
    // Served from the per-message cache the second time: the same bytes.
    assert.deepEqual(
      await ok(c, 'g', 'FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODY BODYSTRUCTURE)'),
      [expected, 'g OK FETCH completed'],
    );
    assert.ok(sb.transcript.history().some((e) => e.type === 'server-line' && e.line === expected));
  });

  it('CAPABILITY, NAMESPACE, ID, ENABLE, UNSELECT', async () => {
    const c = await loggedIn();
    assert.match(
      (await ok(c, 'a', 'CAPABILITY'))[0]!,
      /^\* CAPABILITY IMAP4rev1 LITERAL\+ SASL-IR IDLE UIDPLUS NAMESPACE ID ENABLE MOVE SPECIAL-USE UNSELECT CHILDREN .*STARTTLS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=XOAUTH2$/,
    );
    assert.deepEqual(await ok(c, 'b', 'NAMESPACE'), [
      '* NAMESPACE (("" "/")) NIL NIL',
      'b OK NAMESPACE completed',
    ]);
    assert.deepEqual(await ok(c, 'c', 'ID ("name" "raw-test" "version" "1")'), [
      '* ID ("name" "mailsandbox" "vendor" "mailsandbox")',
      'c OK ID completed',
    ]);
    assert.ok(
      sb.transcript
        .history()
        .some((e) => e.type === 'note' && e.text === 'client ID: name="raw-test" version="1"'),
    );
    assert.deepEqual(await ok(c, 'd', 'ENABLE CONDSTORE X-UNKNOWN'), [
      '* ENABLED CONDSTORE',
      'd OK ENABLE completed',
    ]);
    assert.deepEqual(await ok(c, 'd2', 'ENABLE CONDSTORE'), ['* ENABLED', 'd2 OK ENABLE completed']);
    await ok(c, 'e', 'SELECT INBOX');
    await ok(c, 'f', 'UNSELECT');
    assert.match(
      (await run(c, 'g', 'FETCH 1 FLAGS')).at(-1)!,
      /^g BAD FETCH is not allowed without a selected mailbox/,
    );
  });
});
