import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { firedRules } from './support.js';

const open: Sandbox[] = [];
after(() => Promise.all(open.map((s) => s.close())));

async function sandboxWith(rules: string): Promise<Sandbox> {
  const scenario = await parseScenario(`description: transport\nsmtp:\n  rules:\n${rules}`, {
    label: 'inline.yaml',
    name: 'transport',
  });
  const sb = await startTestSandbox({ listeners: ['smtp'], scenario });
  open.push(sb);
  return sb;
}

/** A raw socket that records every chunk as it arrives (with its time) and how the connection ended. */
function watch(port: number, send: string[] = []) {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: { at: number; data: string }[] = [];
  const start = Date.now();
  let sent = false;
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on('close', () => resolve('closed'));
  });
  socket.on('data', (d: Buffer) => {
    chunks.push({ at: Date.now() - start, data: d.toString('latin1') });
    // Like a real client: talk once the greeting line is complete.
    if (!sent && send.length && chunks.map((c) => c.data).join('').includes('\r\n')) {
      sent = true;
      socket.write(send.map((l) => l + '\r\n').join(''));
    }
  });
  const text = () => chunks.map((c) => c.data).join('');
  return { socket, chunks, text, ended, start };
}

/** `p`, or a rejection after `ms`; the timer is cleared either way so the process can exit. */
async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no end in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('SMTP transport faults from scenario rules (toxiproxy names)', () => {
  it('throttle: a 200 bytes/s greeting and EHLO reply arrive in pieces over about a second', async () => {
    const sb = await sandboxWith('    - { name: slow-link, when: { point: greeting }, throttle: { bytesPerSecond: 200 } }\n');
    const w = watch(sb.ports.smtp!, ['EHLO client.test', 'QUIT']);
    await within(w.ended, 10_000);
    const text = w.text();
    assert.match(text, /^220 .*\r\n250-/);
    assert.match(text, /221 .*\r\n$/);
    // ~300 bytes at 200 bytes/s: not before ~1 s, and in many pieces.
    assert.ok(w.chunks.at(-1)!.at >= 900, `all there after ${w.chunks.at(-1)!.at} ms`);
    assert.ok(w.chunks.length >= 8, `${w.chunks.length} chunks`);
    assert.deepEqual(firedRules(sb), ['slow-link']);
  });

  it('slice: the EHLO reply comes in 7-byte pieces, intact', async () => {
    const sb = await sandboxWith(
      '    - { name: tiny-writes, when: { command: EHLO }, slice: { bytes: 7, delayMs: 10 } }\n',
    );
    const w = watch(sb.ports.smtp!, ['EHLO client.test', 'QUIT']);
    await within(w.ended, 10_000);
    const afterGreeting = w.chunks.slice(1);
    assert.ok(afterGreeting.length >= 10, `${afterGreeting.length} chunks`);
    assert.ok(afterGreeting.every((c) => c.data.length <= 7 * 2), 'pieces stay small');
    assert.match(w.text(), /250-PIPELINING\r\n[\s\S]*221 /);
  });

  it('disconnect rst: the client sees a connection reset instead of the MAIL reply', async () => {
    const sb = await sandboxWith('    - { name: reset-on-mail, when: { command: MAIL }, disconnect: { how: rst } }\n');
    const w = watch(sb.ports.smtp!, ['EHLO client.test', 'MAIL FROM:<a@example.test>']);
    // The server closes with SO_LINGER 0 (an RST on the wire); whether the peer's read reports
    // ECONNRESET or an end depends on when the RST meets its read, so both are accepted here.
    assert.match(await within(w.ended, 10_000), /^(ECONNRESET|closed)$/);
    assert.doesNotMatch(w.text(), /250 2\.1\.0/);
    const close = sb.transcript.history().find((e) => e.type === 'session-close');
    assert.equal(close?.type === 'session-close' && close.reason, 'scenario rule reset-on-mail: reset');
    assert.deepEqual(firedRules(sb), ['reset-on-mail']);
  });

  it('stall: NOOP gets no answer, the connection closes after 300 ms; a multi-line reply elsewhere', async () => {
    const sb = await sandboxWith(
      [
        '    - { name: silent-noop, when: { command: NOOP }, stall: { ms: 300 } }',
        '    - name: two-lines',
        '      when: { command: VRFY }',
        '      reply: { code: 252, text: ["2.1.5 first line", "2.1.5 second line"] }',
        '',
      ].join('\n'),
    );
    const w = watch(sb.ports.smtp!, ['VRFY someone', 'NOOP']);
    assert.equal(await within(w.ended, 10_000), 'closed');
    assert.match(w.text(), /\r\n252-2\.1\.5 first line\r\n252 2\.1\.5 second line\r\n$/);
    assert.ok(w.chunks.at(-1)!.at < 2_000);
    assert.deepEqual(firedRules(sb), ['two-lines', 'silent-noop']);
  });

  it('cut: the EHLO reply stops after 60 bytes with a FIN; the transcript says where', async () => {
    const sb = await sandboxWith('    - { name: cut-ehlo, when: { command: EHLO }, cut: { afterBytes: 60 } }\n');
    const w = watch(sb.ports.smtp!, ['EHLO client.test']);
    assert.equal(await within(w.ended, 5_000), 'closed');
    const greeting = w.text().indexOf('\r\n') + 2;
    assert.equal(w.text().length - greeting, 60);
    const note = sb.transcript.history().find((e) => e.type === 'note' && /cut-ehlo/.test(e.text));
    assert.ok(note?.type === 'note');
    assert.match(note.text, /the reply was cut after 60 bytes, ending ".*\\r\\n250"; \d+ bytes already written were not sent, nor is anything written after/);
    const close = sb.transcript.history().find((e) => e.type === 'session-close');
    assert.ok(close?.type === 'session-close');
    assert.equal(close.reason, 'scenario rule cut-ehlo: connection cut after 60 bytes, mid-reply');
  });

  it('cut: the transcript records the EHLO reply as far as it went out, no further (the shared reply writer)', async () => {
    const sb = await sandboxWith('    - { name: cut-ehlo, when: { command: EHLO }, cut: { afterBytes: 60 } }\n');
    const w = watch(sb.ports.smtp!, ['EHLO client.test']);
    assert.equal(await within(w.ended, 5_000), 'closed');
    const received = w.text().slice(w.text().indexOf('\r\n') + 2);
    const recorded = sb.transcript
      .history()
      .filter((e) => e.type === 'server-line')
      .map((e) => (e.type === 'server-line' ? e.line : ''))
      .slice(1);
    // Whole lines with their CRLF, the last one as far as the cut let it out.
    assert.equal(recorded.join('\r\n'), received.replace(/\r\n$/, ''));
    assert.ok(!received.endsWith('\r\n'), 'the cut falls inside a line');
  });
});
