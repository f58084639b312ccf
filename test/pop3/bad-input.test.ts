import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';

/**
 * Hostile and broken input, each on its own connection, while a well-behaved session beside it keeps
 * retrieving its message intact. Every case must end in a protocol reply (or a clean close) and a
 * transcript line — never a crash, a hang or a deletion.
 */
const GOOD_MESSAGE = 'Subject: still fine\r\n\r\nthe well-behaved session reads this\r\n';
const MAX_ERRORS = 6;

describe('POP3 bad input beside a well-behaved session', () => {
  let sb: Sandbox;
  let good: RawClient;
  const clients: RawClient[] = [];
  let nextUser = 0;

  before(async () => {
    sb = await startTestSandbox({
      mailboxes: 'per-user',
      listeners: ['pop3', 'pop3s'],
      limits: { maxErrorsInARow: MAX_ERRORS },
    });
    await sb.store.append(sb.store.maildropFor('good'), 'INBOX', Buffer.from(GOOD_MESSAGE));
    good = await RawClient.connect(sb.ports.pop3!);
    assert.match(await good.readLine(), /^\+OK mailsandbox ready/);
    good.send('USER good');
    await good.readLine();
    good.send('PASS pw');
    assert.equal(await good.readLine(), `+OK 1 messages (${GOOD_MESSAGE.length} octets)`);
  });

  after(async () => {
    for (const c of [...clients, good]) c.close();
    await sb.close();
  });

  /** A fresh connection past the greeting; with `login`, logged in as a user of its own with 2 messages. */
  async function open(
    login: boolean,
    messages: string[] = ['Subject: a\r\n\r\n1\r\n', 'Subject: b\r\n\r\n2\r\n'],
  ) {
    const user = `bad${++nextUser}`;
    const client = await RawClient.connect(sb.ports.pop3!);
    clients.push(client);
    assert.match(await client.readLine(), /^\+OK /);
    if (login) {
      for (const m of messages) await sb.store.append(sb.store.maildropFor(user), 'INBOX', Buffer.from(m));
      client.send(`USER ${user}`);
      await client.readLine();
      client.send('PASS pw');
      assert.match(await client.readLine(), /^\+OK \d+ messages/);
    }
    return { client, user };
  }

  /** The session beside still works: RETR 1 returns its message byte for byte. */
  async function goodStillWorks(): Promise<void> {
    good.send('RETR 1');
    assert.equal(await good.readLine(), `+OK ${GOOD_MESSAGE.length} octets`);
    const body = await good.readBytes(GOOD_MESSAGE.length + 3);
    assert.equal(body.toString(), GOOD_MESSAGE + '.\r\n');
  }

  function transcriptOf(user: string): string[] {
    const auth = sb.transcript.history().find((e) => e.type === 'auth' && e.username === user);
    assert.ok(auth, `a session logged in as ${user}`);
    return sb.transcript.history(auth.sid).map((e) => JSON.stringify(e));
  }

  it('a 1 MiB line gets -ERR line too long, and the session goes on', async () => {
    const { client } = await open(false);
    client.write(Buffer.alloc(1024 * 1024, 'A'));
    client.write('\r\n');
    assert.equal(await client.readLine(), '-ERR line too long');
    client.send('USER after');
    assert.equal(await client.readLine(), '+OK please send the PASS');
    await goodStillWorks();
    const notes = sb.transcript.history().filter((e) => e.type === 'note' && /1048578 bytes/.test(e.text));
    assert.equal(notes.length, 1, 'the dropped line is a transcript note');
  });

  it('2 MB without a newline gets -ERR at once, and a note with the byte count when the client leaves', async () => {
    const { client } = await open(false);
    const sid = sb.transcript
      .history()
      .filter((e) => e.type === 'session-open')
      .at(-1)!.sid;
    client.write(Buffer.alloc(2 * 1024 * 1024, 'A'));
    // Answered while the line is still open: no newline was sent.
    assert.equal(await client.readLine(3_000), '-ERR line too long');
    await new Promise((r) => setTimeout(r, 100));
    client.close();
    const deadline = Date.now() + 3_000;
    while (!sb.transcript.history(sid).some((e) => e.type === 'session-close')) {
      assert.ok(Date.now() < deadline, 'the server noticed the client leave');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(
      sb.transcript
        .history(sid)
        // Findings about the session (no-quit) follow its close.
        .filter((e) => e.type !== 'finding')
        .slice(-2)
        .map((e) => (e.type === 'note' ? `${e.level}: ${e.text}` : e.type)),
      [
        `warn: client sent ${2 * 1024 * 1024} bytes of a line over the 65536-byte limit, and no newline before the connection closed: dropped`,
        'session-close',
      ],
    );
    await goodStillWorks();
  });

  it('binary garbage gets a printable -ERR, and QUIT still works', async () => {
    const { client } = await open(false);
    const garbage = Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0x1b, 0x07]), randomBytes(200)]);
    // Keep it one line: the framing is what is under test, not how many lines random bytes make.
    for (let i = 0; i < garbage.length; i++) if (garbage[i] === 10 || garbage[i] === 13) garbage[i] = 0x20;
    client.write(Buffer.concat([garbage, Buffer.from('\r\n')]));
    const reply = await client.readLine();
    assert.match(reply, /^-ERR [\x20-\x7e]+$/);
    client.send('QUIT');
    assert.match(await client.readLine(), /^\+OK /);
    await client.waitClosed();
    await goodStillWorks();
  });

  it('RETR 0, RETR 99999999999999999999 and TOP 1 -1 get -ERR; nothing changes', async () => {
    const { client, user } = await open(true);
    client.send('RETR 0');
    assert.equal(await client.readLine(), '-ERR no such message 0, only 2 in maildrop');
    client.send('RETR 99999999999999999999');
    assert.equal(await client.readLine(), '-ERR no such message 99999999999999999999, only 2 in maildrop');
    client.send('TOP 1 -1');
    assert.equal(await client.readLine(), '-ERR the line count must be a non-negative number');
    client.send('DELE x1');
    assert.equal(await client.readLine(), '-ERR invalid message number x1');
    client.send('STAT');
    assert.equal(await client.readLine(), '+OK 2 34');
    await goodStillWorks();
    const lines = transcriptOf(user);
    assert.ok(lines.some((l) => l.includes('"line":"RETR 99999999999999999999"')));
  });

  it('commands in the wrong state get -ERR naming the state', async () => {
    const { client } = await open(false);
    client.send('STAT');
    assert.equal(await client.readLine(), '-ERR STAT is not valid in the AUTHORIZATION state');
    client.send('PASS nouser');
    assert.equal(await client.readLine(), '-ERR send USER first');
    client.send('RETR 1');
    assert.equal(await client.readLine(), '-ERR RETR is not valid in the AUTHORIZATION state');
    client.send('FOO bar');
    assert.equal(await client.readLine(), '-ERR unknown command FOO');
    const { client: inside } = await open(true);
    inside.send('USER again');
    assert.equal(await inside.readLine(), '-ERR USER is not valid in the TRANSACTION state');
    inside.send('STLS');
    assert.equal(await inside.readLine(), '-ERR STLS is not valid in the TRANSACTION state');
    inside.send('AUTH PLAIN');
    assert.equal(await inside.readLine(), '-ERR AUTH is not valid in the TRANSACTION state');
    inside.send('LIST 1 2');
    assert.equal(await inside.readLine(), '-ERR LIST takes 0 to 1 argument');
    await goodStillWorks();
  });

  it(`${MAX_ERRORS} errors in a row end the session with -ERR`, async () => {
    const { client } = await open(false);
    for (let i = 1; i < MAX_ERRORS; i++) {
      client.send('XYZZY');
      assert.equal(await client.readLine(), '-ERR unknown command XYZZY');
    }
    client.send('XYZZY');
    assert.equal(
      await client.readLine(),
      `-ERR unknown command XYZZY (${MAX_ERRORS} errors in a row, closing the connection)`,
    );
    await client.waitClosed();
    const closes = sb.transcript
      .history()
      .filter((e) => e.type === 'session-close' && e.reason === `${MAX_ERRORS} protocol errors in a row`);
    assert.equal(closes.length, 1);
    await goodStillWorks();
  });

  it('AUTH: unknown mechanism, bad base64 and `*` cancel get -ERR; the session can still log in', async () => {
    const { client } = await open(false);
    client.send('AUTH GSSAPI');
    assert.equal(await client.readLine(), '-ERR unsupported mechanism GSSAPI');
    client.send('AUTH PLAIN !!!notbase64');
    assert.equal(await client.readLine(), '-ERR initial response is not base64');
    client.send('AUTH LOGIN');
    assert.equal(await client.readLine(), '+ VXNlcm5hbWU6');
    client.send('*');
    assert.equal(await client.readLine(), '-ERR AUTH cancelled by the client');
    client.send('AUTH PLAIN');
    assert.equal(await client.readLine(), '+ ');
    client.send('%%%');
    assert.equal(await client.readLine(), '-ERR AUTH response is not base64');
    client.send('AUTH PLAIN ' + Buffer.from('\0cancelled\0pw').toString('base64'));
    assert.match(await client.readLine(), /^\+OK 0 messages/);
    await goodStillWorks();
  });

  it('a client vanishing mid-RETR deletes nothing and frees the maildrop lock', async () => {
    const big =
      'Subject: big\r\n\r\n' +
      'x'
        .repeat(998)
        .concat('\r\n')
        .repeat(16 * 1024);
    const { client, user } = await open(true, [big, 'Subject: small\r\n\r\ns\r\n']);
    client.send('DELE 2');
    assert.match(await client.readLine(), /^\+OK /);
    client.send('RETR 1');
    assert.equal(await client.readLine(), `+OK ${big.length} octets`);
    await client.readBytes(1024);
    client.socket.resetAndDestroy();
    const drop = sb.store.maildropFor(user);
    const deadline = Date.now() + 5_000;
    while (
      !sb.transcript
        .history()
        .some((e) => e.type === 'session-close' && transcriptOf(user)[0]!.includes(e.sid))
    ) {
      assert.ok(Date.now() < deadline, 'the server noticed the vanished client');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(
      (await sb.store.folder(drop, 'INBOX'))!.messages.length,
      2,
      'DELE without QUIT deleted nothing',
    );
    const again = await RawClient.connect(sb.ports.pop3s!, { tls: true });
    clients.push(again);
    await again.readLine();
    again.send(`USER ${user}`);
    await again.readLine();
    again.send('PASS pw');
    assert.equal(await again.readLine(), `+OK 2 messages (${big.length + 21} octets)`);
    await goodStillWorks();
  });

  it('pipelined commands are answered in order', async () => {
    const { client } = await open(true);
    client.write('STAT\r\nLIST 1\r\nUIDL 2\r\nNOOP\r\nDELE 1\r\nSTAT\r\nRSET\r\nSTAT\r\n');
    const replies = [];
    for (let i = 0; i < 8; i++) replies.push(await client.readLine());
    assert.deepEqual(
      replies.map((r) => r.replace(/^(\+OK 2 )[0-9A-F]{10,}$/, '$1<id>')),
      [
        '+OK 2 34',
        '+OK 1 17',
        '+OK 2 <id>',
        '+OK',
        '+OK message 1 marked deleted',
        '+OK 1 17',
        '+OK maildrop has 2 messages (34 octets)',
        '+OK 2 34',
      ],
    );
    await goodStillWorks();
  });
});

describe('POP3 timeouts and STLS injection', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];
  before(async () => {
    sb = await startTestSandbox({
      mailboxes: 'per-user',
      listeners: ['pop3'],
      limits: { idleTimeoutMs: 400, commandTimeoutMs: 400 },
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  async function open(): Promise<RawClient> {
    const client = await RawClient.connect(sb.ports.pop3!);
    clients.push(client);
    assert.match(await client.readLine(), /^\+OK /);
    return client;
  }

  it('an idle logged-in client is logged out without deleting anything, and the lock is freed', async () => {
    const drop = sb.store.maildropFor('idle');
    await sb.store.append(drop, 'INBOX', Buffer.from('Subject: keep\r\n\r\nkeep\r\n'));
    const client = await open();
    client.send('USER idle');
    await client.readLine();
    client.send('PASS pw');
    await client.readLine();
    client.send('DELE 1');
    assert.match(await client.readLine(), /^\+OK/);
    assert.equal(await client.readLine(2_000), '-ERR autologout: idle for too long');
    await client.waitClosed();
    assert.equal((await sb.store.folder(drop, 'INBOX'))!.messages.length, 1);
    const again = await open();
    again.send('USER idle');
    await again.readLine();
    again.send('PASS pw');
    assert.match(await again.readLine(), /^\+OK 1 messages/);
    again.send('QUIT');
    await again.readLine();
  });

  it('a client that trickles one command slower than the limit is cut off', async () => {
    const client = await open();
    client.write('NO');
    await new Promise((r) => setTimeout(r, 200));
    client.write('O');
    assert.equal(await client.readLine(2_000), '-ERR autologout: command took too long');
    await client.waitClosed();
  });

  it('commands pipelined after STLS are discarded, not run over TLS (RFC 2595 §3.1)', async () => {
    const client = await open();
    client.write('STLS\r\nUSER injected\r\n');
    assert.equal(await client.readLine(), '+OK Begin TLS negotiation');
    await client.startTls(readFileSync(certPath(), 'utf8'));
    client.send('PASS pw');
    assert.equal(await client.readLine(), '-ERR send USER first');
    const injected = sb.transcript
      .history()
      .some((e) => e.type === 'client-line' && e.line === 'USER injected');
    assert.equal(injected, false);
    client.send('QUIT');
    await client.readLine();
  });
});
