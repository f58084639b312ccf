import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';

/** Logs in over pop3s with USER/PASS and returns the client, past the `+OK n messages` line. */
async function login(sb: Sandbox, user = 'test'): Promise<RawClient> {
  const client = await RawClient.connect(sb.ports.pop3s!, {
    tls: true,
    ca: readFileSync(certPath(), 'utf8'),
  });
  assert.match(await client.readLine(), /^\+OK mailsandbox ready/);
  client.send(`USER ${user}`);
  await client.readLine();
  client.send('PASS pw');
  assert.match(await client.readLine(), /^\+OK \d+ messages/);
  return client;
}

async function uidl(client: RawClient): Promise<string[]> {
  client.send('UIDL');
  const lines = await client.readUntil(/^\.$/);
  assert.match(lines[0]!, /^\+OK/);
  return lines.slice(1, -1);
}

describe('POP3 and the shared store', () => {
  const sandboxes: Sandbox[] = [];
  after(async () => {
    for (const sb of sandboxes) await sb.close();
  });

  it('UIDL values stay the same across sessions and across a restart with --maildir', async () => {
    const maildir = tempDir('mailsandbox-pop3-maildir-');
    const first = await startTestSandbox({ maildir, listeners: ['pop3s'] });
    sandboxes.push(first);
    const drop = first.store.maildropFor('test');
    const stored = [];
    for (const n of [1, 2, 3])
      stored.push(await first.store.append(drop, 'INBOX', Buffer.from(`Subject: ${n}\r\n\r\n${n}\r\n`)));
    let client = await login(first);
    const before = await uidl(client);
    assert.deepEqual(
      before,
      stored.map((m, i) => `${i + 1} ${m.id}`),
    );
    client.send('QUIT');
    await client.readLine();
    client = await login(first);
    assert.deepEqual(await uidl(client), before, 'same ids in the next session');
    client.send('QUIT');
    await client.readLine();
    await first.close();

    const second = await startTestSandbox({ maildir, listeners: ['pop3s'] });
    sandboxes.push(second);
    client = await login(second);
    assert.deepEqual(await uidl(client), before, 'same ids after a restart on the same Maildir');
    client.send('RETR 2');
    assert.equal(await client.readLine(), '+OK 17 octets');
    assert.equal((await client.readBytes(20)).toString(), 'Subject: 2\r\n\r\n2\r\n.\r\n');
    client.send('QUIT');
    await client.readLine();
  });

  it('with --maildir, RETR in order sends each message as it is, and one expunged meanwhile is -ERR [SYS/TEMP]', async () => {
    const maildir = tempDir('mailsandbox-pop3-retr-');
    const writer = await startTestSandbox({ maildir, listeners: ['pop3s'] });
    sandboxes.push(writer);
    const drop = writer.store.maildropFor('test');
    const bodies = [
      'Subject: 1\r\n\r\nplain\r\n',
      'Subject: 2\r\n\r\n.leading dot\r\n',
      'Subject: 3\n\nbare LF\n',
      'Subject: 4\r\n\r\nno final line end',
      'Subject: 5\r\n\r\nfive\r\n',
      'Subject: 6\r\n\r\nsix\r\n',
    ];
    const stored = [];
    for (const body of bodies) stored.push(await writer.store.append(drop, 'INBOX', Buffer.from(body)));
    await writer.close();
    // A fresh start: no body is in memory, each is read from its file.
    const sb = await startTestSandbox({ maildir, listeners: ['pop3s'] });
    sandboxes.push(sb);
    const client = await login(sb);
    const retr = async (n: number): Promise<string[]> => {
      client.send(`RETR ${n}`);
      const first = await client.readLine();
      return first.startsWith('+OK') ? [first, ...(await client.readUntil(/^\.$/))] : [first];
    };
    assert.deepEqual(await retr(1), ['+OK 21 octets', 'Subject: 1', '', 'plain', '.']);
    assert.deepEqual(await retr(2), ['+OK 28 octets', 'Subject: 2', '', '..leading dot', '.']);
    assert.deepEqual(await retr(3), ['+OK 23 octets', 'Subject: 3', '', 'bare LF', '.']);
    assert.deepEqual(await retr(4), ['+OK 33 octets', 'Subject: 4', '', 'no final line end', '.']);
    // RETR 4 may have read message 5 ahead: its expunge (another session's) still shows.
    await sb.store.expunge(drop, 'INBOX', [stored[4]!.uid]);
    assert.match((await retr(5))[0]!, /^-ERR \[SYS\/TEMP\] message 5 cannot be read: .* was expunged$/);
    assert.deepEqual(await retr(6), ['+OK 19 octets', 'Subject: 6', '', 'six', '.']);
    client.send('QUIT');
    await client.readLine();
  });

  it('a message deleted over POP3 is gone for IMAP', async () => {
    const sb = await startTestSandbox({ listeners: ['pop3s', 'imap'] });
    sandboxes.push(sb);
    const drop = sb.store.maildropFor('test');
    for (const n of [1, 2])
      await sb.store.append(drop, 'INBOX', Buffer.from(`Subject: imap ${n}\r\n\r\n${n}\r\n`));
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: sb.ports.imap!,
      secure: false,
      auth: { user: 'test', pass: 'pw' },
      tls: { ca: readFileSync(certPath()), servername: 'localhost' },
      logger: false,
    });
    await imap.connect();
    try {
      const pop = await login(sb);
      pop.send('DELE 1');
      assert.match(await pop.readLine(), /^\+OK/);
      pop.send('QUIT');
      assert.match(await pop.readLine(), /1 messages deleted/);
      const status = await imap.status('INBOX', { messages: true });
      assert.ok(status);
      assert.equal(status.messages, 1);
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const subjects = [];
        for await (const m of imap.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject);
        assert.deepEqual(subjects, ['imap 2']);
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
  });

  it('a long LIST is one summary line in the transcript, a short one is line by line', async () => {
    const sb = await startTestSandbox({ listeners: ['pop3s'] });
    sandboxes.push(sb);
    const drop = sb.store.maildropFor('test');
    for (let n = 1; n <= 150; n++)
      await sb.store.append(drop, 'INBOX', Buffer.from(`Subject: ${n}\r\n\r\nx\r\n`));
    const client = await login(sb);
    client.send('LIST');
    const lines = await client.readUntil(/^\.$/);
    assert.equal(lines.length, 152);
    client.send('LIST 7');
    assert.equal(await client.readLine(), '+OK 7 17');
    client.send('QUIT');
    await client.readLine();
    const sid = sb.transcript.history().find((e) => e.type === 'auth')!.sid;
    const server = sb.transcript
      .history(sid)
      .filter((e) => e.type === 'server-line')
      .map((e) => e.type === 'server-line' && e.line);
    let octets = 0;
    for (let n = 1; n <= 150; n++) octets += `Subject: ${n}\r\n\r\nx\r\n`.length;
    const first = `+OK 150 messages (${octets} octets)`;
    assert.equal(lines[0], first);
    const at = server.lastIndexOf(first);
    const wire = lines.slice(1, -1).join('\r\n').length + 2;
    assert.deepEqual(server.slice(at, at + 3), [first, `<listing: 150 lines, ${wire} bytes>`, '.']);
  });

  it('with transcript bodies on, RETR records every body line', async () => {
    const sb = await startTestSandbox({ listeners: ['pop3s'], transcriptBodies: true });
    sandboxes.push(sb);
    await sb.store.append(
      sb.store.maildropFor('test'),
      'INBOX',
      Buffer.from('Subject: shown\n\n.dot\nend\n'),
    );
    const client = await login(sb);
    client.send('RETR 1');
    await client.readUntil(/^\.$/);
    client.send('QUIT');
    await client.readLine();
    const sid = sb.transcript.history().find((e) => e.type === 'auth')!.sid;
    const server = sb.transcript
      .history(sid)
      .filter((e) => e.type === 'server-line')
      .map((e) => e.type === 'server-line' && e.line);
    const at = server.indexOf('+OK 29 octets');
    assert.deepEqual(server.slice(at, at + 6), ['+OK 29 octets', 'Subject: shown', '', '..dot', 'end', '.']);
  });
});
