import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { readFileSync } from 'node:fs';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** Sends one command and collects the lines up to its tagged reply. */
async function command(client: RawClient, tag: string, line: string, timeoutMs = 5_000): Promise<string[]> {
  client.send(`${tag} ${line}`);
  return client.readUntil(new RegExp(`^${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `), timeoutMs);
}

async function loggedIn(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  assert.match(await client.readLine(), /^\* OK /);
  assert.match((await command(client, 'l', 'LOGIN test testpass')).at(-1)!, /^l OK /);
  return client;
}

/**
 * Bad input, each case beside a well-behaved session on the same server that must still get its
 * message out byte for byte: a protocol error and a transcript line, never a crash, hang or
 * unbounded memory.
 */
describe('IMAP bad input', () => {
  let sb: Sandbox;
  const raw = sampleMessage('still served');
  const open: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'imaps'] });
    assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /);
  });
  after(async () => {
    for (const c of open) c.close();
    await sb.close();
  });

  /** The session opened last (the one a test just connected). */
  function lastSid(): string {
    return sb.transcript
      .history()
      .filter((e) => e.type === 'session-open')
      .at(-1)!.sid;
  }

  /** A session's transcript notes, as `level: text`. */
  function notes(sid: string): string[] {
    return sb.transcript.history(sid).flatMap((e) => (e.type === 'note' ? [`${e.level}: ${e.text}`] : []));
  }

  async function client(): Promise<RawClient> {
    const c = await loggedIn(sb.ports.imap!);
    open.push(c);
    return c;
  }

  /** The well-behaved neighbour: a whole session that must succeed after each bad one. */
  async function neighbourStillServed(): Promise<void> {
    const c = await client();
    const select = await command(c, 's', 'SELECT INBOX');
    assert.match(select.at(-1)!, /^s OK /);
    c.send('f FETCH 1 BODY.PEEK[]');
    const head = await c.readLine();
    assert.equal(head, `* 1 FETCH (BODY[] {${raw.length}}`);
    assert.deepEqual(await c.readBytes(raw.length), raw);
    assert.equal(await c.readLine(), ')');
    assert.match(await c.readLine(), /^f OK /);
    assert.match((await command(c, 'o', 'LOGOUT')).at(-1)!, /^o OK /);
    await c.waitClosed();
  }

  it('a {4294967295} literal is refused with NO [TOOBIG] before any byte is read', async () => {
    const c = await client();
    const before = process.memoryUsage().rss;
    const reply = await command(c, 'a1', 'APPEND INBOX {4294967295}');
    assert.match(reply.at(-1)!, /^a1 NO \[TOOBIG\] literal of 4294967295 bytes is over the limit/);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'no 4 GiB buffer');
    assert.match((await command(c, 'a2', 'NOOP')).at(-1)!, /^a2 OK /, 'the session goes on');
    const small = await command(c, 'a3', 'LOGIN {99999999}');
    assert.match(small.at(-1)!, /^a3 NO \[TOOBIG\]/, 'non-APPEND literals have the small limit');
    await neighbourStillServed();
  });

  it('a non-synchronising {4294967295+} literal gets BAD and the connection is closed', async () => {
    const c = await client();
    c.send('b1 APPEND INBOX {4294967295+}');
    c.write(randomBytes(4096));
    const lines = await c.readUntil(/^\* BYE /);
    assert.match(lines[0]!, /^b1 BAD \[TOOBIG\]/);
    await c.waitClosed();
    await neighbourStillServed();
  });

  it('an unterminated literal, then a disconnect, leaves nothing behind', async () => {
    const c = await client();
    c.send('c1 APPEND INBOX {100}');
    assert.match(await c.readLine(), /^\+ /);
    c.write('Subject: half');
    await new Promise((r) => setTimeout(r, 50));
    const sid = sb.transcript
      .history()
      .filter((e) => e.type === 'session-open')
      .at(-1)!.sid;
    c.close();
    await waitFor(() => sb.transcript.history(sid).some((e) => e.type === 'session-close'));
    const inbox = await sb.store.folder(sb.store.maildropNames()[0]!, 'INBOX');
    assert.equal(inbox!.messages.length, 1, 'the half message was not stored');
    await neighbourStillServed();
  });

  it('a 1 MiB line gets BAD [TOOBIG], a note with its size, and the session goes on', async () => {
    const c = await client();
    const sid = lastSid();
    c.write(`d1 NOOP ${'x'.repeat(1024 * 1024)}\r\n`);
    assert.equal(await c.readLine(), '* BAD [TOOBIG] line is longer than 65536 bytes');
    assert.match((await command(c, 'd2', 'NOOP')).at(-1)!, /^d2 OK /);
    assert.deepEqual(notes(sid), [
      `warn: client sent a line of ${1024 * 1024 + 10} bytes, over the 65536-byte limit: dropped`,
    ]);
    await neighbourStillServed();
  });

  it('2 MB without a newline: BAD at once, then a note with the byte count when the client leaves', async () => {
    const c = await client();
    const sid = lastSid();
    c.write(Buffer.alloc(2 * 1024 * 1024, 'A'));
    // Answered while the line is still open: no newline was sent.
    assert.equal(await c.readLine(3_000), '* BAD [TOOBIG] line is longer than 65536 bytes');
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    await waitFor(() => sb.transcript.history(sid).some((e) => e.type === 'session-close'));
    // Findings about the session (no-quit) follow its close.
    const tail = sb.transcript
      .history(sid)
      .filter((e) => e.type !== 'finding')
      .slice(-2);
    assert.deepEqual(
      tail.map((e) => (e.type === 'note' ? `${e.level}: ${e.text}` : e.type)),
      [
        `warn: client sent ${2 * 1024 * 1024} bytes of a line over the 65536-byte limit, and no newline before the connection closed: dropped`,
        'session-close',
      ],
    );
    await neighbourStillServed();
  });

  it('a line over the limit during IDLE ends the IDLE at once with a tagged BAD (no DONE needed)', async () => {
    const c = await client();
    const sid = lastSid();
    assert.match((await command(c, 's', 'SELECT INBOX')).at(-1)!, /^s OK /);
    c.send('i IDLE');
    assert.equal(await c.readLine(), '+ idling');
    c.write(Buffer.alloc(100 * 1024, 'A'));
    // Answered before the line ends: the client is still sending it, and waits for no one.
    assert.equal(await c.readLine(3_000), 'i BAD [TOOBIG] line is longer than 65536 bytes');
    c.write('AAAA\r\n');
    assert.match((await command(c, 'n', 'NOOP')).at(-1)!, /^n OK /, 'IDLE is over: commands are read again');
    assert.deepEqual(notes(sid), [
      `warn: client sent a line of ${100 * 1024 + 6} bytes, over the 65536-byte limit: dropped`,
    ]);
    await neighbourStillServed();
  });

  it('a line over the limit as a SASL response aborts AUTHENTICATE at once with a tagged BAD', async () => {
    const c = await RawClient.connect(sb.ports.imap!);
    open.push(c);
    assert.match(await c.readLine(), /^\* OK /);
    const sid = lastSid();
    c.send('a AUTHENTICATE PLAIN');
    assert.equal(await c.readLine(), '+ ');
    c.write(Buffer.alloc(100 * 1024, 'A'));
    // RFC 3501 §6.2.2: a response the server cannot use rejects the command with a tagged BAD.
    assert.equal(await c.readLine(3_000), 'a BAD [TOOBIG] line is longer than 65536 bytes');
    c.write('\r\n');
    assert.match((await command(c, 'l', 'LOGIN test testpass')).at(-1)!, /^l OK /, 'not waiting for SASL');
    assert.deepEqual(notes(sid), [
      `warn: client sent a line of ${100 * 1024 + 2} bytes, over the 65536-byte limit: dropped`,
    ]);
    assert.ok(!sb.transcript.history(sid).some((e) => e.type === 'auth' && e.mechanism === 'PLAIN'));
  });

  it('a client vanishing mid-literal leaves a note; APPEND stores nothing, LOGIN {n+} is not run', async () => {
    const before = (await sb.store.folder(sb.store.maildropNames()[0]!, 'INBOX'))!.messages.length;
    const c = await client();
    const sid = lastSid();
    c.send('b APPEND INBOX {500}');
    assert.equal(await c.readLine(), '+ Ready for literal data');
    c.write('x'.repeat(27));
    await waitFor(() =>
      sb.transcript.history(sid).some((e) => e.type === 'client-line' && /b APPEND/.test(e.line)),
    );
    await new Promise((r) => setTimeout(r, 50));
    c.close();
    await waitFor(() => sb.transcript.history(sid).some((e) => e.type === 'session-close'));
    assert.deepEqual(notes(sid), [
      'warn: message not stored: connection closed after 27 of 500 literal bytes',
    ]);
    const after = (await sb.store.folder(sb.store.maildropNames()[0]!, 'INBOX'))!.messages.length;
    assert.equal(after, before, 'nothing stored');

    const fresh = await RawClient.connect(sb.ports.imap!);
    open.push(fresh);
    await fresh.readLine();
    const sid2 = lastSid();
    fresh.write('a LOGIN {300+}\r\n' + 'y'.repeat(40));
    await new Promise((r) => setTimeout(r, 50));
    fresh.close();
    await waitFor(() => sb.transcript.history(sid2).some((e) => e.type === 'session-close'));
    assert.deepEqual(notes(sid2), [
      'warn: command a LOGIN not run: connection closed after 40 of 300 literal bytes',
    ]);

    // The literal came whole, the line that ends the command did not.
    const third = await client();
    const sid3 = lastSid();
    third.send('c APPEND INBOX {5}');
    assert.equal(await third.readLine(), '+ Ready for literal data');
    third.write('hello');
    await new Promise((r) => setTimeout(r, 50));
    third.close();
    await waitFor(() => sb.transcript.history(sid3).some((e) => e.type === 'session-close'));
    assert.deepEqual(notes(sid3), [
      'warn: message not stored: connection closed after the 5-byte literal, before the end of the command',
    ]);
    await neighbourStillServed();
  });

  it('the empty line that ends a command after its literal is not a C: line of its own', async () => {
    const c = await client();
    const sid = lastSid();
    const message = 'Subject: lit\r\n\r\nbody\r\n';
    c.send(`a APPEND Sent {${message.length}}`);
    assert.equal(await c.readLine(), '+ Ready for literal data');
    c.write(message + '\r\n');
    assert.match(await c.readLine(), /^a OK \[APPENDUID /);
    c.send('b LOGOUT');
    await c.waitClosed();
    const lines = sb.transcript
      .history(sid)
      .filter((e) => e.type === 'client-line')
      .map((e) => (e.type === 'client-line' ? e.line : ''));
    assert.deepEqual(lines.slice(1), [
      `a APPEND Sent {${message.length}}`,
      `{${message.length} bytes literal} "Subject: lit"`,
      'b LOGOUT',
    ]);
  });

  it('10,000 pipelined NOOPs are all answered, in order', async () => {
    const c = await client();
    const started = Date.now();
    c.write(Array.from({ length: 10_000 }, (_, i) => `n${i} NOOP\r\n`).join(''));
    let expected = 0;
    while (expected < 10_000) {
      const line = await c.readLine(20_000);
      assert.equal(line, `n${expected} OK NOOP completed`);
      expected++;
    }
    const ms = Date.now() - started;
    assert.ok(ms < 20_000, `took ${ms} ms`);
    await neighbourStillServed();
  });

  it('deep parenthesis nesting is refused with BAD', async () => {
    const c = await client();
    await command(c, 's', 'SELECT INBOX');
    const reply = await command(c, 'e1', `SEARCH ${'('.repeat(5000)}ALL${')'.repeat(5000)}`);
    assert.match(reply.at(-1)!, /^e1 BAD lists nested deeper than 32/);
    assert.match((await command(c, 'e2', 'SEARCH ((ALL))')).join('\n'), /\* SEARCH 1\ne2 OK/);
    await neighbourStillServed();
  });

  it('NOT and OR chains count toward the nesting limit: BAD, no stack overflow, no error line', async () => {
    const c = await client();
    await command(c, 's', 'SELECT INBOX');
    const sid = lastSid();
    for (const [tag, keys] of [
      ['n1', `${'NOT '.repeat(15_000)}ALL`],
      ['n2', `${'OR ALL '.repeat(9_000)}ALL`],
      ['n3', `${'NOT ('.repeat(20)}ALL${')'.repeat(20)}`],
    ] as const) {
      const reply = await command(c, tag, `SEARCH ${keys}`);
      assert.match(reply.at(-1)!, new RegExp(`^${tag} BAD SEARCH: keys nested deeper than 32`));
    }
    // Within the limit the same shapes work.
    assert.match((await command(c, 'n4', `SEARCH ${'NOT '.repeat(30)}ALL`)).join('\n'), /\* SEARCH 1\nn4 OK/);
    assert.match(
      (await command(c, 'n5', `SEARCH ${'OR ALL '.repeat(30)}ALL`)).join('\n'),
      /\* SEARCH 1\nn5 OK/,
    );
    assert.deepEqual(
      notes(sid).filter((n) => n.startsWith('error')),
      [],
    );
    await neighbourStillServed();
  });

  it('a NUL inside a literal or quoted mailbox name is BAD (RFC 3501 §9 CHAR8)', async () => {
    const c = await client();
    c.send('z1 CREATE {7}');
    assert.match(await c.readLine(), /^\+ /);
    c.write(Buffer.from('bad\0box\r\n'));
    assert.match((await c.readUntil(/^z1 /)).at(-1)!, /^z1 BAD a mailbox name must not contain NUL/);
    c.send('z2 SELECT {5+}');
    c.write(Buffer.from('IN\0OX\r\n'));
    assert.match((await c.readUntil(/^z2 /)).at(-1)!, /^z2 BAD a mailbox name must not contain NUL/);
    c.write(Buffer.from('z3 CREATE "a\0b"\r\n'));
    assert.match((await c.readUntil(/^z3 /)).at(-1)!, /^z3 BAD/);
    const list = await command(c, 'z4', 'LIST "" "*"');
    assert.ok(!list.some((l) => l.includes('\0') || /bad.box/.test(l)), list.join('\n'));
    await neighbourStillServed();
  });

  it('invalid sequence sets are BAD', async () => {
    const c = await client();
    await command(c, 's', 'SELECT INBOX');
    assert.match((await command(c, 'f1', 'FETCH 0 FLAGS')).at(-1)!, /^f1 BAD invalid sequence set: 0/);
    assert.match((await command(c, 'f2', 'FETCH 5:*x FLAGS')).at(-1)!, /^f2 BAD invalid sequence set/);
    assert.match(
      (await command(c, 'f3', 'FETCH 2 FLAGS')).at(-1)!,
      /^f3 BAD invalid sequence set: there are only 1/,
    );
    assert.match((await command(c, 'f4', 'UID FETCH 1:,3 FLAGS')).at(-1)!, /^f4 BAD/);
    assert.match((await command(c, 'f5', 'STORE 99999999999 +FLAGS (\\Seen)')).at(-1)!, /^f5 BAD/);
    await neighbourStillServed();
  });

  it('FETCH on an empty mailbox: BAD for sequence numbers, an empty OK for UIDs', async () => {
    const c = await client();
    assert.match((await command(c, 's', 'SELECT Drafts')).join('\n'), /\* 0 EXISTS/);
    assert.match(
      (await command(c, 'g1', 'FETCH 1:* FLAGS')).at(-1)!,
      /^g1 BAD invalid sequence set: the mailbox is empty/,
    );
    assert.deepEqual(await command(c, 'g2', 'UID FETCH 1:* FLAGS'), ['g2 OK UID FETCH completed']);
    assert.deepEqual(await command(c, 'g3', 'SEARCH ALL'), ['* SEARCH', 'g3 OK SEARCH completed']);
    await neighbourStillServed();
  });

  it('commands in the wrong state are BAD', async () => {
    const fresh = await RawClient.connect(sb.ports.imap!);
    open.push(fresh);
    await fresh.readLine();
    assert.match(
      (await command(fresh, 'h1', 'FETCH 1 FLAGS')).at(-1)!,
      /^h1 BAD FETCH is not allowed before login/,
    );
    assert.match(
      (await command(fresh, 'h2', 'SELECT INBOX')).at(-1)!,
      /^h2 BAD SELECT is not allowed before login/,
    );
    const c = await client();
    assert.match((await command(c, 'h3', 'LOGIN a b')).at(-1)!, /^h3 BAD LOGIN is not allowed/);
    assert.match(
      (await command(c, 'h4', 'EXPUNGE')).at(-1)!,
      /^h4 BAD EXPUNGE is not allowed without a selected mailbox/,
    );
    assert.match((await command(c, 'h5', 'FROB')).at(-1)!, /^h5 BAD unknown command FROB/);
    assert.match((await command(c, 'h6', 'SELECT')).at(-1)!, /^h6 BAD SELECT takes 1 to 2 arguments/);
    const tls = await RawClient.connect(sb.ports.imaps!, { tls: true, ca: readFileSync(certPath(), 'utf8') });
    open.push(tls);
    await tls.readLine();
    assert.match(
      (await command(tls, 'h7', 'STARTTLS')).at(-1)!,
      /^h7 BAD STARTTLS is not offered on this port/,
    );
    await neighbourStillServed();
  });

  it('binary garbage gets BADs, then BYE after too many in a row', async () => {
    const c = await RawClient.connect(sb.ports.imap!);
    open.push(c);
    await c.readLine();
    for (let i = 0; i < 30; i++)
      c.write(Buffer.concat([randomBytes(200).map((b) => (b === 10 ? 0 : b)), Buffer.from('\r\n')]));
    const lines = await c.readUntil(/^\* BYE /);
    assert.ok(lines.length >= 20 && lines.slice(0, -1).every((l) => / BAD /.test(l)), lines.join('\n'));
    assert.match(lines.at(-1)!, /^\* BYE Too many errors in a row \(20\)/);
    await c.waitClosed();
    const sid = sb.transcript
      .history()
      .filter((e) => e.type === 'session-close' && /too many errors/.test(e.reason));
    assert.equal(sid.length, 1, 'the transcript says why the session ended');
    await neighbourStillServed();
  });
});

async function waitFor(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
