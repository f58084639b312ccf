import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { readEvents } from './support.js';

describe('GET /events', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startTestSandbox({ listeners: ['http'], limits: { sseQueueEvents: 200, sseReaders: 2 } });
  });
  after(() => sandbox.close());

  const publish = (n: number, text = 'x'.repeat(1_000)) => {
    for (let i = 0; i < n; i++)
      sandbox.bus.publish({ type: 'note', sid: 'smtp#999', proto: 'smtp', level: 'info', text });
  };

  it('filters by proto and sid, and resumes after a bus position', async () => {
    const api = `http://127.0.0.1:${sandbox.ports.http}/api/v1`;
    const first = sandbox.bus.publish({
      type: 'note',
      sid: 'imap#7',
      proto: 'imap',
      level: 'info',
      text: 'one',
    });
    sandbox.bus.publish({ type: 'note', sid: 'pop3#7', proto: 'pop3', level: 'info', text: 'two' });
    const { event } = await readEvents(`${api}/events?since=${first.seq - 1}&proto=pop3`, () => true, 2_000);
    assert.equal(event.text, 'two');
    const bySid = await readEvents(
      `${api}/events?sid=imap%237`,
      () => true,
      2_000,
      () =>
        setTimeout(() => {
          sandbox.bus.publish({ type: 'note', sid: 'smtp#7', proto: 'smtp', level: 'info', text: 'other' });
          sandbox.bus.publish({ type: 'note', sid: 'imap#7', proto: 'imap', level: 'info', text: 'mine' });
        }, 50),
    );
    assert.equal(bySid.event.text, 'mine');
  });

  it('refuses a reader past the limit with 503, and takes one again once a stream closed', async () => {
    const url = `http://127.0.0.1:${sandbox.ports.http}/api/v1/events`;
    const first = new AbortController();
    const second = new AbortController();
    await fetch(url, { signal: first.signal });
    await fetch(url, { signal: second.signal });
    const third = await fetch(url);
    assert.equal(third.status, 503);
    assert.equal(((await third.json()) as { error: string }).error, 'too-many-readers');
    first.abort();
    second.abort();
    const deadline = Date.now() + 3_000;
    let status = 0;
    while (Date.now() < deadline) {
      const abort = new AbortController();
      status = (await fetch(url, { signal: abort.signal })).status;
      abort.abort();
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200);
  });

  it('drops a reader that does not read with a final event, without slowing the publisher', async () => {
    const socket = connect(sandbox.ports.http!, '127.0.0.1');
    socket.on('error', () => {});
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${sandbox.ports.http}\r\n\r\n`);
      socket.pause();
      await new Promise((r) => setTimeout(r, 100));
      // 20,000 events of 1 kB: more than the socket buffers of loopback hold, 100 times the queue limit.
      const started = process.hrtime.bigint();
      for (let round = 0; round < 200; round++) {
        publish(100);
        await new Promise((r) => setImmediate(r));
      }
      const publishMs = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(publishMs < 2_000, `publishing took ${publishMs} ms`);
      const received: Buffer[] = [];
      socket.on('data', (c: Buffer) => received.push(c));
      socket.resume();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const tail = Buffer.concat(received).toString('utf8').slice(-300);
          reject(new Error(`the stream did not end; it ends with: ${tail}`));
        }, 5_000);
        socket.once('end', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const text = Buffer.concat(received).toString('utf8');
      assert.match(
        text,
        /event: dropped\r?\ndata: \{"reason":"this reader fell 201 events behind \(limit 200\)[^\n]*\n/,
      );
      assert.ok(
        !text.slice(text.indexOf('event: dropped')).includes('id: '),
        'the dropped event is the last one',
      );
    } finally {
      socket.destroy();
    }
  });
});
