import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

async function command(client: RawClient, tag: string, line: string): Promise<string[]> {
  client.send(`${tag} ${line}`);
  const lines = await client.readUntil(new RegExp(`^${tag} `));
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), lines.join('\n'));
  return lines;
}

async function session(sb: Sandbox, work: (c: RawClient) => Promise<void>): Promise<void> {
  const c = await RawClient.connect(sb.ports.imap!);
  await c.readLine();
  await command(c, 'l', 'LOGIN test testpass');
  await work(c);
  await command(c, 'z', 'LOGOUT');
  await c.waitClosed();
}

/** With --maildir, what IMAP clients rely on survives a restart: UIDVALIDITY, UIDs, flags, folders. */
describe('IMAP on a Maildir store across a restart', () => {
  const dir = tempDir();
  let sb: Sandbox | null = null;
  after(() => sb?.close());

  it('keeps UIDVALIDITY, UIDs, flags and folders', async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap'], maildir: dir });
    const raw = sampleMessage('persisted');
    assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /);
    const before: Record<string, string> = {};
    await session(sb, async (c) => {
      const select = (await command(c, 's', 'SELECT INBOX')).join('\n');
      before.uidValidity = /UIDVALIDITY (\d+)/.exec(select)![1]!;
      await command(c, 'f', 'STORE 1 +FLAGS (\\Flagged $Label1)');
      await command(c, 'c', 'CREATE Projects/2026');
      const append = await command(
        c,
        'a',
        'APPEND Projects/2026 (\\Seen) {21+}\r\nSubject: kept\r\n\r\nhi\r\n',
      );
      before.appendUid = /APPENDUID (\d+ \d+)/.exec(append.at(-1)!)![1]!;
      before.status = (await command(c, 't', 'STATUS INBOX (UIDVALIDITY UIDNEXT MESSAGES)'))[0]!;
    });
    await sb.close();

    sb = await startTestSandbox({ listeners: ['imap'], maildir: dir });
    await session(sb!, async (c) => {
      const select = (await command(c, 's', 'SELECT inbox')).join('\n');
      assert.equal(/UIDVALIDITY (\d+)/.exec(select)![1], before.uidValidity);
      // \Recent is not kept across a restart: the message the first session claimed is recent again.
      assert.match(select, /^\* 1 RECENT$/m);
      assert.equal((await command(c, 't', 'STATUS INBOX (UIDVALIDITY UIDNEXT MESSAGES)'))[0], before.status);
      const fetch = (await command(c, 'f', 'FETCH 1 (UID FLAGS RFC822.SIZE)'))[0]!;
      assert.match(fetch, /^\* 1 FETCH \(UID 1 FLAGS \(/);
      assert.match(fetch, /\\Flagged/);
      assert.match(fetch, /\$Label1/);
      assert.match(fetch, new RegExp(`RFC822.SIZE ${raw.length}\\)`));
      const list = (await command(c, 'l2', 'LIST "" "*"')).join('\n');
      assert.match(list, /^\* LIST \(\\HasChildren\) "\/" "Projects"$/m);
      assert.match(list, /^\* LIST \(\\HasNoChildren\) "\/" "Projects\/2026"$/m);
      assert.match(list, /^\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent"$/m);
      const projects = (await command(c, 's2', 'SELECT Projects/2026')).join('\n');
      const [validity, uid] = before.appendUid!.split(' ');
      assert.match(projects, new RegExp(`UIDVALIDITY ${validity}\\]`));
      const body = (
        await command(c, 'f2', `UID FETCH ${uid} (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])`)
      ).join('\n');
      assert.match(body, /FLAGS \(\\Seen \\Recent\)/);
      assert.match(body, /Subject: kept/);
    });
  });
});

/** Messages with the same flags share one set in memory (store/flag-sets.ts): changing one message's
 *  flags must leave the others' as they were, for messages loaded from the Maildir and for new ones. */
describe('IMAP flags of messages that had the same flags', () => {
  const dir = tempDir();
  let sb: Sandbox | null = null;
  after(() => sb?.close());

  const flagsOf = async (c: RawClient): Promise<string[]> =>
    (await command(c, 'f', 'FETCH 1:4 (FLAGS)'))
      .filter((l) => /^\* \d+ FETCH /.test(l))
      .map((l) => /FLAGS \(([^)]*)\)/.exec(l)![1]!.replace(/ ?\\Recent/, ''));

  it('changes the flags of the message named only', async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap'], maildir: dir });
    for (const n of [1, 2, 3])
      assert.match(await sendMail({ port: sb.ports.smtp!, raw: sampleMessage(`m${n}`) }), /^250 /);
    await session(sb, (c) =>
      command(c, 's', 'SELECT INBOX')
        .then(() => command(c, 'st', 'STORE 1:3 +FLAGS (\\Seen $Done)'))
        .then(() => undefined),
    );
    await sb.close();

    sb = await startTestSandbox({ listeners: ['smtp', 'imap'], maildir: dir });
    assert.match(await sendMail({ port: sb.ports.smtp!, raw: sampleMessage('m4') }), /^250 /);
    await session(sb, async (c) => {
      await command(c, 's', 'SELECT INBOX');
      assert.deepEqual(await flagsOf(c), ['\\Seen $Done', '\\Seen $Done', '\\Seen $Done', '']);
      await command(c, 'a', 'STORE 2 +FLAGS (\\Flagged)');
      await command(c, 'b', 'STORE 3 -FLAGS (\\Seen $Done)');
      await command(c, 'c', 'STORE 4 +FLAGS (\\Seen)');
      assert.deepEqual(await flagsOf(c), ['\\Seen $Done', '\\Seen \\Flagged $Done', '', '\\Seen']);
    });
  });
});
