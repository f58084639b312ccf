import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';

describe('IMAP LIST ... RETURN (STATUS (...)) with an unknown item', () => {
  let sb: Sandbox;
  let c: RawClient;
  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap'] });
    c = await RawClient.connect(sb.ports.imap!);
    await c.readLine();
    c.send('l LOGIN test secret');
    await c.readUntil(/^l /);
  });
  after(async () => {
    c.close();
    await sb.close();
  });

  it('is BAD alone: no LIST line goes out before it (the command did not run)', async () => {
    c.send('a LIST "" "*" RETURN (STATUS (MESSAGES BOGUS))');
    const lines = await c.readUntil(/^a /);
    assert.deepEqual(lines, ['a BAD unknown STATUS item BOGUS']);
    c.send('b LIST "" "INBOX" RETURN (STATUS (MESSAGES))');
    assert.deepEqual(await c.readUntil(/^b /), [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* STATUS "INBOX" (MESSAGES 0)',
      'b OK LIST completed',
    ]);
  });
});
