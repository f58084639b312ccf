import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { ok, signedIn } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

/**
 * With --maildir a flag change renames the message's file at once and writes the folder's state file
 * (keywords, modseqs) a moment later, once for many changes (src/store/coalesced-saves.ts). What a
 * client set must still all be there after the sandbox closes and starts again on the same Maildir.
 */

const clients: RawClient[] = [];
const sandboxes: Sandbox[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(sandboxes.map((s) => s.close()));
});

async function sandbox(maildir: string): Promise<Sandbox> {
  const sb = await startTestSandbox({ listeners: ['imap'], maildir });
  sandboxes.push(sb);
  return sb;
}

const login = (sb: Sandbox): Promise<RawClient> => signedIn(sb.ports.imap!, clients);

/** python3's imaplib: optionally flags every message and reads some bodies (setting \Seen), then prints
 *  each message's FETCH (UID FLAGS MODSEQ) line as JSON. */
const SCRIPT = String.raw`
import imaplib, json, sys
port, change = int(sys.argv[1]), sys.argv[2] == 'change'
m = imaplib.IMAP4('127.0.0.1', port)
m.login('test', 'secret')
m.select('INBOX')
out = {}
if change:
    out['store'] = m.store('1:*', '+FLAGS', '(\\Flagged $Done)')[0]
    out['fetch'] = m.fetch('1:50', '(BODY[])')[0]
typ, data = m.fetch('1:*', '(UID FLAGS MODSEQ)')
out['lines'] = [d.decode() for d in data]
m.logout()
print(json.dumps(out))
`;

async function flagsAndModseqs(sb: Sandbox, change: boolean): Promise<string[]> {
  const result = await python(SCRIPT, [String(sb.ports.imap), change ? 'change' : 'read']);
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { store?: string; fetch?: string; lines: string[] };
  if (change) assert.deepEqual([out.store, out.fetch], ['OK', 'OK']);
  return out.lines;
}

describe('Maildir flag changes across a restart', () => {
  it('keeps every flag, keyword and modseq a STORE over all messages and a FETCH of bodies set', async () => {
    const dir = tempDir();
    let sb = await sandbox(dir);
    for (let i = 1; i <= 300; i++)
      await sb.store.append(
        sb.store.maildropFor('test'),
        'INBOX',
        Buffer.from(`Subject: m${i}\r\n\r\nbody ${i}\r\n`),
      );
    const before = await flagsAndModseqs(sb, true);
    assert.equal(before.length, 300);
    for (const [i, line] of before.entries()) {
      assert.match(line, /\\Flagged/, line);
      assert.match(line, /\$Done/, line);
      assert.equal(/\\Seen/.test(line), i < 50, line);
    }
    await sb.close();

    sb = await sandbox(dir);
    assert.deepEqual(await flagsAndModseqs(sb, false), before);
  });

  it('a keyword set just before the sandbox closes is kept (closing writes what was waiting)', async () => {
    const dir = tempDir();
    let sb = await sandbox(dir);
    for (let i = 1; i <= 20; i++)
      await sb.store.append(
        sb.store.maildropFor('test'),
        'INBOX',
        Buffer.from(`Subject: m${i}\r\n\r\nbody\r\n`),
      );
    const c = await login(sb);
    await ok(c, 's', 'SELECT INBOX');
    await ok(c, 'f', 'STORE 1:* +FLAGS ($Last)');
    const before = await ok(c, 'm', 'FETCH 1:* (MODSEQ)');
    // No LOGOUT: the sandbox closes at once, well within the state file's write delay.
    await sb.close();

    sb = await sandbox(dir);
    const again = await login(sb);
    await ok(again, 's', 'SELECT INBOX');
    const flags = await ok(again, 'f', 'FETCH 1:* (FLAGS)');
    assert.equal(flags.filter((line) => line.includes('$Last')).length, 20, flags.join('\n'));
    assert.deepEqual(await ok(again, 'm', 'FETCH 1:* (MODSEQ)'), before);
  });

  it('messages copied with keywords keep them, and the copy its UIDNEXT, after a restart', async () => {
    const dir = tempDir();
    let sb = await sandbox(dir);
    for (let i = 1; i <= 30; i++)
      await sb.store.append(
        sb.store.maildropFor('test'),
        'INBOX',
        Buffer.from(`Subject: c${i}\r\n\r\nbody\r\n`),
      );
    const c = await login(sb);
    await ok(c, 's', 'SELECT INBOX');
    await ok(c, 'f', 'STORE 1:* +FLAGS ($Copied)');
    await ok(c, 'c', 'CREATE Dest');
    await ok(c, 'y', 'COPY 1:* Dest');
    // No LOGOUT: the copies' keywords are still waiting to be written when the sandbox closes.
    await sb.close();
    sb = await sandbox(dir);
    const again = await login(sb);
    assert.match((await ok(again, 't', 'STATUS Dest (MESSAGES UIDNEXT)'))[0]!, /MESSAGES 30 UIDNEXT 31\)/);
    await ok(again, 's', 'SELECT Dest');
    const flags = await ok(again, 'f', 'FETCH 1:* (FLAGS)');
    assert.equal(flags.filter((line) => line.includes('$Copied')).length, 30, flags.join('\n'));
  });

  it('a mailbox deleted right after a flag change in it stays deleted', async () => {
    const dir = tempDir();
    let sb = await sandbox(dir);
    const c = await login(sb);
    const other = await login(sb);
    await ok(c, 'c', 'CREATE Gone');
    await ok(c, 'a', 'APPEND Gone {12+}\r\nSubject: x\r\n');
    await ok(c, 's', 'SELECT Gone');
    await ok(c, 'f', 'STORE 1 +FLAGS ($Pending)');
    // Deleted from another session at once, while the flag change's state write still waits.
    await ok(other, 'd', 'DELETE Gone');
    c.close();
    other.close();
    await sb.close();
    // The state write that was waiting must not have made the folder's directory again.
    assert.deepEqual(
      readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => path.includes('Gone')),
      [],
    );
    sb = await sandbox(dir);
    const again = await login(sb);
    const list = await ok(again, 'l', 'LIST "" "*"');
    assert.ok(!list.some((line) => line.includes('Gone')), list.join('\n'));
  });

  it('a keyword set just before a RENAME is found in the renamed mailbox', async () => {
    const dir = tempDir();
    let sb = await sandbox(dir);
    const c = await login(sb);
    await ok(c, 'c', 'CREATE Before');
    await ok(c, 'a', 'APPEND Before {12+}\r\nSubject: y\r\n');
    await ok(c, 's', 'SELECT Before');
    await ok(c, 'f', 'STORE 1 +FLAGS ($Moved)');
    await ok(c, 'i', 'SELECT INBOX');
    await ok(c, 'r', 'RENAME Before After');
    c.close();
    await sb.close();
    sb = await sandbox(dir);
    const again = await login(sb);
    await ok(again, 's', 'SELECT After');
    assert.match((await ok(again, 'f', 'FETCH 1 (FLAGS)'))[0]!, /\$Moved/);
    const list = await ok(again, 'l', 'LIST "" "*"');
    assert.ok(!list.some((line) => line.includes('Before')), list.join('\n'));
  });
});
