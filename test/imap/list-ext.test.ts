import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sessionsSettled } from './settle.js';

async function run(c: RawClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

async function ok(c: RawClient, tag: string, line: string): Promise<string[]> {
  const lines = await run(c, tag, line);
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), lines.join('\n'));
  return lines;
}

/** Mailbox listing: LSUB's unsubscribed parents. */
describe('IMAP LIST and LSUB', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'] });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sessionsSettled(sb);
    await sb.close();
  });

  async function loggedIn(): Promise<RawClient> {
    const c = await RawClient.connect(sb.ports.imap!);
    clients.push(c);
    await c.readLine();
    await ok(c, 'l', 'LOGIN test secret');
    return c;
  }

  it('LSUB with % lists an unsubscribed parent of a subscribed mailbox as \\Noselect (RFC 3501 §6.3.9)', async () => {
    const c = await loggedIn();
    await ok(c, 'a', 'CREATE imaptest/test/child');
    await ok(c, 'b', 'SUBSCRIBE imaptest/test/child');
    assert.deepEqual((await ok(c, 'c', 'LSUB "" imaptest/%')).slice(0, -1), [
      '* LSUB (\\Noselect) "/" "imaptest/test"',
    ]);
    assert.deepEqual((await ok(c, 'd', 'LSUB "" imaptest/test/%')).slice(0, -1), [
      '* LSUB (\\HasNoChildren) "/" "imaptest/test/child"',
    ]);
    await ok(c, 'e', 'SUBSCRIBE imaptest/test');
    assert.deepEqual((await ok(c, 'f', 'LSUB "" imaptest/%')).slice(0, -1), [
      '* LSUB (\\HasChildren) "/" "imaptest/test"',
    ]);
  });
});
