import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { DeflateClient } from '../helpers/deflate-client.js';
import { imapSandbox } from '../helpers/imap.js';

/**
 * COMPRESS=DEFLATE (RFC 4978) with a raw client that deflates with Node's zlib (python's imaplib cannot
 * compress): the OK plain, every line after it deflated both ways, LOGOUT's BYE flushed before the
 * close, the transcript in plain lines.
 */

const sandboxes: Sandbox[] = [];
const clients: DeflateClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(sandboxes.map((s) => s.close()));
});

function sandbox(scenario?: string): Promise<Sandbox> {
  const big = Buffer.from(`Subject: big\r\n\r\n${'x'.repeat(5000)}\r\n`);
  return imapSandbox(sandboxes, { scenario, users: { test: 'testpass' }, messages: [big] });
}

async function loggedIn(sb: Sandbox): Promise<DeflateClient> {
  const c = await DeflateClient.connect(sb.ports.imap!);
  clients.push(c);
  await c.readUntil(/^\* OK /);
  c.send('l LOGIN test testpass');
  await c.readUntil(/^l OK/);
  return c;
}

describe('IMAP COMPRESS=DEFLATE (RFC 4978)', () => {
  it('deflates both ways after the OK; a big FETCH and LOGOUT arrive whole; the transcript stays plain', async () => {
    const sb = await sandbox();
    const c = await loggedIn(sb);
    c.send('c CAPABILITY');
    assert.match((await c.readUntil(/^c OK/))[0]!, / COMPRESS=DEFLATE/);
    c.send('z COMPRESS DEFLATE');
    assert.deepEqual(await c.readUntil(/^z /), ['z OK DEFLATE active']);
    c.compress();
    c.send('a NOOP');
    assert.deepEqual(await c.readUntil(/^a /), ['a OK NOOP completed']);
    c.send('s SELECT INBOX');
    assert.match((await c.readUntil(/^s /)).at(-1)!, /^s OK \[READ-WRITE\]/);
    c.send('f FETCH 1 BODY.PEEK[TEXT]');
    const fetch = await c.readUntil(/^f /);
    assert.equal(fetch[0], '* 1 FETCH (BODY[TEXT] {5002}');
    assert.equal(fetch[1], 'x'.repeat(5000));
    c.send('d COMPRESS DEFLATE');
    assert.match((await c.readUntil(/^d /))[0]!, /^d NO \[COMPRESSIONACTIVE\]/);
    c.send('q LOGOUT');
    assert.deepEqual(await c.readUntil(/^q /), ['* BYE mailsandbox logging out', 'q OK LOGOUT completed']);
    const lines = sb.transcript
      .history()
      .filter((e) => e.type === 'client-line' || e.type === 'server-line')
      .map((e) => (e.type === 'client-line' || e.type === 'server-line' ? e.line : ''));
    assert.ok(lines.includes('a NOOP') && lines.includes('a OK NOOP completed'), lines.join('\n'));
  });

  it('a 3 MB FETCH streams through the deflater whole (back-pressure through zlib)', async () => {
    const sb = await sandbox();
    const drop = sb.store.maildropFor('test');
    const line = 'y'.repeat(998);
    for (let i = 0; i < 300; i++)
      await sb.store.append(drop, 'INBOX', Buffer.from(`Subject: ${i}\r\n\r\n${(line + '\r\n').repeat(10)}`));
    const c = await loggedIn(sb);
    c.send('z COMPRESS DEFLATE');
    await c.readUntil(/^z OK/);
    c.compress();
    c.send('s SELECT INBOX');
    await c.readUntil(/^s OK/);
    c.send('f FETCH 1:* BODY.PEEK[]');
    const lines = await c.readUntil(/^f /, 30_000);
    assert.equal(lines.at(-1), 'f OK FETCH completed');
    assert.equal(lines.filter((l) => /^\* \d+ FETCH \(BODY\[\] \{\d+\}$/.test(l)).length, 301);
    assert.equal(lines.filter((l) => l === line).length, 3000);
  });

  it('BAD for an unknown mechanism, and BAD unknown command when a scenario removes COMPRESS=DEFLATE', async () => {
    const c = await loggedIn(await sandbox());
    c.send('a COMPRESS LZW');
    assert.match((await c.readUntil(/^a /))[0]!, /^a BAD /);
    const off = await loggedIn(
      await sandbox('description: x\nimap:\n  capabilities: { remove: [COMPRESS=DEFLATE] }\n'),
    );
    off.send('b COMPRESS DEFLATE');
    assert.match((await off.readUntil(/^b /))[0]!, /^b BAD unknown command/);
  });

  it('a corrupt stream from the client is a note and a closed connection, not a crash', async () => {
    const sb = await sandbox();
    const c = await loggedIn(sb);
    c.send('z COMPRESS DEFLATE');
    await c.readUntil(/^z OK/);
    c.socket.write(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0x00, 0x11]));
    await c.waitBroken();
    assert.ok(c.closed);
    const notes = sb.transcript
      .history()
      .filter((e) => e.type === 'note')
      .map((e) => (e.type === 'note' ? e.text : ''));
    assert.ok(
      notes.some((n) => n.startsWith("COMPRESS: the client's deflate stream is corrupt")),
      notes.join('\n'),
    );
  });
});
