import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { imapFlow } from '../helpers/imap.js';
import { loadScenario, parseScenario } from '../../src/scenario/index.js';
import { DeflateClient } from '../helpers/deflate-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** The sync failures a scenario plays with `syncFault` (scenarios/README.md), each seen by a raw client. */

const SCENARIO = `
description: sync failures
imap:
  rules:
    - name: restored-from-backup
      when: { command: SELECT, nth: 2 }
      syncFault: modseq-backwards
    - name: ghost-uids
      when: { command: NOOP, nth: 1 }
      syncFault: vanished-unknown
    - name: closed-under-us
      when: { command: FETCH, nth: 1 }
      syncFault: closed
    - name: garbled-deflate
      when: { command: NOOP, nth: 2 }
      syncFault: corrupt-stream
`;

const sandboxes: Sandbox[] = [];
const clients: DeflateClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(sandboxes.map((s) => s.close()));
});

async function loggedIn(): Promise<{ sb: Sandbox; c: DeflateClient }> {
  const scenario = await parseScenario(SCENARIO, { label: 'inline.yaml', name: 'inline' });
  const sb = await startTestSandbox({ listeners: ['imap'], scenario, users: { test: 'testpass' } });
  sandboxes.push(sb);
  for (let i = 1; i <= 4; i++)
    await sb.store.append(sb.store.maildropFor('test'), 'INBOX', Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`));
  const c = await DeflateClient.connect(sb.ports.imap!);
  clients.push(c);
  await c.readUntil(/^\* OK /);
  await command(c, 'l', 'LOGIN test testpass');
  return { sb, c };
}

async function command(c: DeflateClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

const highest = (lines: string[]): number => Number(/HIGHESTMODSEQ (\d+)/.exec(lines.join('\n'))![1]);

describe('IMAP sync faults from scenarios', () => {
  it('modseq-backwards: the second SELECT reports a lower HIGHESTMODSEQ, STATUS too', async () => {
    const { c } = await loggedIn();
    const first = highest(await command(c, 's1', 'SELECT INBOX'));
    await command(c, 'f', 'STORE 1 +FLAGS (\\Seen)');
    const second = highest(await command(c, 's2', 'SELECT INBOX'));
    assert.ok(second < first, `${second} < ${first}`);
    assert.ok(highest(await command(c, 't', 'STATUS INBOX (HIGHESTMODSEQ)')) < first);
  });

  it('vanished-unknown: VANISHED (EARLIER) for UIDs above UIDNEXT', async () => {
    const { c } = await loggedIn();
    const select = await command(c, 's', 'SELECT INBOX');
    const uidNext = Number(/UIDNEXT (\d+)/.exec(select.join('\n'))![1]);
    const noop = await command(c, 'n', 'NOOP');
    assert.deepEqual(noop, [`* VANISHED (EARLIER) ${uidNext + 100}:${uidNext + 102}`, 'n OK NOOP completed']);
  });

  it('closed: an unasked [CLOSED], then the FETCH finds no mailbox selected', async () => {
    const { c } = await loggedIn();
    await command(c, 's', 'SELECT INBOX');
    const fetch = await command(c, 'f', 'FETCH 1 (FLAGS)');
    assert.equal(fetch[0], '* OK [CLOSED] Mailbox closed.');
    assert.match(fetch.at(-1)!, /^f BAD /);
    assert.match((await command(c, 'g', 'FETCH 1 (FLAGS)')).at(-1)!, /^g BAD /);
  });

  it('corrupt-stream: under COMPRESS=DEFLATE the client inflater fails on what the server sends', async () => {
    const { sb, c } = await loggedIn();
    await command(c, 'z', 'COMPRESS DEFLATE');
    c.compress();
    await command(c, 'n1', 'NOOP'); // the first NOOP plays vanished-unknown, outside a mailbox: skipped
    c.send('n2 NOOP');
    await c.waitBroken();
    assert.ok(c.inflateError, 'the client could not inflate the stream');
    const notes = sb.transcript
      .history()
      .filter((e) => e.type === 'note')
      .map((e) => (e.type === 'note' ? e.text : ''));
    assert.ok(notes.some((n) => /garbled-deflate: 8 bytes that are no deflate data/.test(n)), notes.join('\n'));
  });

  it('imap-restored-from-backup: imapflow (qresync) sees HIGHESTMODSEQ go back, then VANISHED (EARLIER) for unknown UIDs', async () => {
    const sb = await startTestSandbox({
      listeners: ['imaps'],
      scenario: await loadScenario('imap-restored-from-backup'),
      users: { test: 'testpass' },
    });
    sandboxes.push(sb);
    for (let i = 1; i <= 3; i++)
      await sb.store.append(sb.store.maildropFor('test'), 'INBOX', Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`));
    const client = imapFlow(sb.ports.imaps!, 'implicit', { user: 'test', pass: 'testpass' }, { qresync: true });
    const vanished: { uid?: number; earlier?: boolean }[] = [];
    client.on('expunge', (e: { uid?: number; earlier?: boolean }) => vanished.push(e));
    await client.connect();
    try {
      const first = await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd('1', ['\\Seen']);
      const second = await client.mailboxOpen('INBOX', { uidValidity: first.uidValidity, changedSince: first.highestModseq });
      assert.ok(second.highestModseq! < first.highestModseq!, `${second.highestModseq} < ${first.highestModseq}`);
      await client.noop();
      assert.deepEqual(
        vanished.map((e) => [e.uid, e.earlier]),
        [
          [104, true],
          [105, true],
          [106, true],
        ],
      );
    } finally {
      await client.logout().catch(() => client.close());
    }
  });
});
