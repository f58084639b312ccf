import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';

async function greeted(port: number, greeting: RegExp): Promise<RawClient> {
  const c = await RawClient.connect(port);
  assert.match(await c.readLine(), greeting);
  return c;
}

/** An SMTP client that has had its 354 and sent a message body without the final dot. */
async function inData(sb: Sandbox): Promise<RawClient> {
  const c = await greeted(sb.ports.smtp!, /^220 /);
  c.send('EHLO client.test');
  await c.readUntil(/^250 /);
  for (const [line, reply] of [
    ['MAIL FROM:<a@example.test>', /^250 /],
    ['RCPT TO:<b@example.test>', /^250 /],
    ['DATA', /^354 /],
  ] as const) {
    c.send(line);
    assert.match(await c.readLine(), reply);
  }
  c.write('Subject: in flight\r\n\r\nbody line\r\n');
  return c;
}

/** Lines a client reads until the server closes the connection. */
async function linesUntilClosed(c: RawClient): Promise<string[]> {
  await c.waitClosed(10_000);
  return c
    .rest()
    .toString('latin1')
    .split('\r\n')
    .filter((l) => l !== '');
}

describe('graceful shutdown: stop accepting, let the command in progress finish, then a goodbye', () => {
  it('a DATA whose final dot arrives in time is stored and answered 250; every session gets its goodbye', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'pop3'] });
    const data = await inData(sb);
    const smtpIdle = await greeted(sb.ports.smtp!, /^220 /);
    const imap = await greeted(sb.ports.imap!, /^\* OK /);
    imap.send('l LOGIN u p');
    assert.match((await imap.readUntil(/^l /)).at(-1)!, /^l OK /);
    const pop3 = await greeted(sb.ports.pop3!, /^\+OK /);
    const closing = sb.close();
    await new Promise((r) => setTimeout(r, 300));
    // Stopped accepting: a new client is refused.
    await assert.rejects(RawClient.connect(sb.ports.smtp!).then((c) => c.readLine(1_000)));
    data.write('.\r\n');
    const dataLines = await linesUntilClosed(data);
    assert.match(dataLines[0]!, /^250 .*queued as/);
    assert.equal(dataLines[1], '421 4.3.2 Service shutting down');
    assert.deepEqual(await linesUntilClosed(smtpIdle), ['421 4.3.2 Service shutting down']);
    assert.deepEqual(await linesUntilClosed(imap), ['* BYE Server shutting down.']);
    assert.deepEqual(await linesUntilClosed(pop3), ['-ERR Server shutting down.']);
    await closing;
    assert.equal(sb.messages().length, 1);
    assert.match(sb.messages()[0]!.raw.toString(), /Subject: in flight/);
  });

  it('a DATA that does not finish within the grace gets 421 and nothing is stored', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp'], limits: { shutdownGraceMs: 400 } });
    const data = await inData(sb);
    const started = Date.now();
    const closing = sb.close();
    const lines = await linesUntilClosed(data);
    assert.deepEqual(lines, ['421 4.3.2 Service shutting down']);
    assert.ok(Date.now() - started >= 350, 'the grace was given');
    await closing;
    assert.equal(sb.messages().length, 0, 'no message stored whose 250 never went out');
    const notes = sb.transcript.history().flatMap((e) => (e.type === 'note' ? [e.text] : []));
    assert.ok(
      notes.some((n) => /did not finish within 400 ms/.test(n)),
      notes.join('\n'),
    );
  });
});

describe('--max-connections: past the cap a new client gets the goodbye, held sessions keep working', () => {
  for (const [proto, greeting, refusal, noop, ok] of [
    ['smtp', /^220 /, '421 4.7.0 Too many connections', 'NOOP', /^250 /],
    ['imap', /^\* OK /, '* BYE Too many connections', 'n NOOP', /^n OK /],
    ['pop3', /^\+OK /, '-ERR [SYS/TEMP] Too many connections', 'NOOP', /^-ERR|^\+OK/],
  ] as const) {
    it(`${proto}: ${refusal}`, async () => {
      const sb = await startTestSandbox({ listeners: [proto], limits: { maxConnections: 2 } });
      try {
        const held = [await greeted(sb.ports[proto]!, greeting), await greeted(sb.ports[proto]!, greeting)];
        const third = await RawClient.connect(sb.ports[proto]!);
        assert.deepEqual(await linesUntilClosed(third), [refusal]);
        for (const c of held) {
          c.send(noop);
          assert.match(await c.readLine(), ok);
        }
        const notes = sb.transcript.history().flatMap((e) => (e.type === 'note' ? [e.text] : []));
        assert.ok(
          notes.some((n) => /too many connections: this listener holds 2/.test(n)),
          notes.join('\n'),
        );
        // A place freed is a place taken.
        held[0]!.close();
        await new Promise((r) => setTimeout(r, 200));
        held[0] = await greeted(sb.ports[proto]!, greeting);
        for (const c of held) c.close();
      } finally {
        await sb.close();
      }
    });
  }
});
