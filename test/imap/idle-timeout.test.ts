import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** IDLE outlives the ordinary idle timeout (limits.imapIdleTimeoutMs, RFC 2177 §3); a silent
 *  session outside IDLE is logged out with a BYE. Scaled down to milliseconds. */
describe('IMAP idle timeouts', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({
      listeners: ['imap'],
      limits: { idleTimeoutMs: 300, imapIdleTimeoutMs: 5_000 },
    });
  });
  after(async () => {
    await sb.close();
  });

  async function loggedIn(): Promise<RawClient> {
    const c = await RawClient.connect(sb.ports.imap!);
    await c.readLine();
    c.send('l LOGIN test testpass');
    assert.match(await c.readLine(), /^l OK /);
    return c;
  }

  it('a session in IDLE survives past the idle timeout, and the timeout applies again after DONE', async () => {
    const c = await loggedIn();
    c.send('s SELECT INBOX');
    await c.readUntil(/^s OK/);
    c.send('i IDLE');
    assert.equal(await c.readLine(), '+ idling');
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(c.closed, false, 'still connected after 800 ms of IDLE with a 300 ms idle timeout');
    c.send('DONE');
    assert.match(await c.readLine(), /^i OK IDLE terminated/);
    assert.match(await c.readLine(1_000), /^\* BYE Autologout/);
    await c.waitClosed();
  });

  it('a silent session outside IDLE gets BYE', async () => {
    const c = await loggedIn();
    assert.match(await c.readLine(1_000), /^\* BYE Autologout/);
    await c.waitClosed();
  });
});
