import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';

/** Each hostile client runs on its own connection while a well-behaved one sends mail beside it. */
describe('SMTP bad input', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ limits: { commandTimeoutMs: 1_500 } });
  });
  after(() => sb.close());

  async function besideAGoodClient(hostile: () => Promise<void>): Promise<void> {
    const before = sb.messages().length;
    const raw = sampleMessage('beside a hostile client');
    const [, response] = await Promise.all([hostile(), sendMail({ port: sb.ports.smtp!, raw })]);
    assert.match(response, /^250 /);
    assert.ok(sb.messages().some((m, i) => i >= before && m.raw.equals(raw)));
  }

  function closeReason(sid: string): string | undefined {
    const close = sb.transcript.history(sid).find((e) => e.type === 'session-close');
    return close?.type === 'session-close' ? close.reason : undefined;
  }

  function newestSid(): string {
    const opens = sb.transcript.history().filter((e) => e.type === 'session-open' && e.listener !== 'none');
    return opens.at(-1)!.sid;
  }

  it('a 1 MiB line without CRLF gets an error reply and the connection is closed', async () => {
    await besideAGoodClient(async () => {
      const c = await RawClient.connect(sb.ports.smtp!);
      await c.readLine();
      c.write(Buffer.alloc(1024 * 1024, 'A'));
      const reply = await c.readLine(10_000);
      // smtp-server answers an overlong line with 421 and hangs up (RFC 5321 §4.5.3.1.4 allows 500 too).
      assert.match(reply, /^421 4\.4\.2 .*too long/);
      await c.waitClosed(10_000);
    });
    const rss = process.memoryUsage().rss;
    assert.ok(rss < 1024 * 1024 * 1024, `RSS ${rss}`);
  });

  it('binary garbage gets 5xx replies, never a crash', async () => {
    await besideAGoodClient(async () => {
      const c = await RawClient.connect(sb.ports.smtp!);
      await c.readLine();
      const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
      c.write(Buffer.concat([garbage, Buffer.from('\r\n')]));
      const reply = await c.readLine(10_000);
      assert.match(reply, /^5\d\d /);
      c.close();
    });
  });

  it('10,000 pipelined NOOPs all get their 250', async () => {
    await besideAGoodClient(async () => {
      const c = await RawClient.connect(sb.ports.smtp!);
      await c.readLine();
      c.send('EHLO pipeliner.test');
      await c.readUntil(/^250 /);
      c.write('NOOP\r\n'.repeat(10_000));
      for (let i = 0; i < 10_000; i++) assert.match(await c.readLine(10_000), /^250 /);
      c.send('QUIT');
      assert.match(await c.readLine(), /^221 /);
      c.close();
    });
  });

  it('a client that disconnects mid-DATA stores nothing', async () => {
    const before = sb.messages().length;
    const c = await RawClient.connect(sb.ports.smtp!);
    await c.readLine();
    for (const line of ['EHLO cut.test', 'MAIL FROM:<a@example.test>', 'RCPT TO:<b@example.test>', 'DATA']) {
      c.send(line);
      await c.readUntil(/^\d{3} /);
    }
    const sid = newestSid();
    c.write('Subject: half a message\r\n\r\nand then the line goes dead');
    await new Promise((r) => setTimeout(r, 100));
    c.close();
    await sendMail({ port: sb.ports.smtp!, raw: sampleMessage('after the cut') });
    assert.equal(sb.messages().length, before + 1);
    assert.ok(!sb.messages().some((m) => m.raw.includes('half a message')));
    const notes = sb.transcript
      .history(sid)
      .filter((e) => e.type === 'note')
      .map((e) => (e.type === 'note' ? e.text : ''));
    assert.ok(
      notes.some((t) => /message not stored/.test(t)),
      notes.join('\n'),
    );
  });

  it('a client sending one byte per second is timed out with a transcript line saying so', async () => {
    await besideAGoodClient(async () => {
      const socket = net.connect(sb.ports.smtp!, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      await new Promise((r) => socket.once('connect', r));
      const sid = newestSid();
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      socket.on('error', () => {});
      const text = 'EHLO slow.client.test\r\n';
      let i = 0;
      const timer = setInterval(() => {
        if (i < text.length && !socket.destroyed) socket.write(text[i++]!);
      }, 1_000);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 8_000))]);
      clearInterval(timer);
      socket.destroy();
      assert.match(Buffer.concat(received).toString(), /421 4\.4\.2 .*timeout/i);
      const notes = sb.transcript.history(sid).filter((e) => e.type === 'note');
      assert.ok(
        notes.some((e) => e.type === 'note' && /timed out: the client took more than 1500 ms/.test(e.text)),
        JSON.stringify(sb.transcript.history(sid)),
      );
      await waitFor(() => closeReason(sid), 'the session-close event');
    });
  });

  it('plain text on the implicit-TLS port is a failed handshake in the transcript, and the port still works', async () => {
    await besideAGoodClient(async () => {
      const c = await RawClient.connect(sb.ports.smtps!);
      const sid = newestSid();
      c.send('EHLO not-tls.test');
      await c.waitClosed(10_000);
      const notes = sb.transcript.history(sid).filter((e) => e.type === 'note');
      assert.ok(
        notes.some((e) => e.type === 'note' && /TLS handshake failed/.test(e.text)),
        JSON.stringify(notes),
      );
      assert.equal(await waitFor(() => closeReason(sid), 'the session-close event'), 'TLS handshake failed');
    });
    const ok = await sendMail({
      port: sb.ports.smtps!,
      tls: 'implicit',
      raw: sampleMessage('over TLS after garbage'),
    });
    assert.match(ok, /^250 /);
  });
});
