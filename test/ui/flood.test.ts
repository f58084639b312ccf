import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Ring } from '../../src/ui/ring.js';
import { frameInterval } from '../../src/ui/use-transcript.js';
import { FakeSessions } from './fixtures.js';
import { renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | null = null;
afterEach(() => {
  app?.unmount();
  app = null;
});

/** One short SMTP session as the bench's clients make them: 18 events, a message stored. */
function shortSession(f: FakeSessions, n: number): void {
  const sid = `smtp#${n}`;
  f.open(sid, 'smtp', 'smtp', 'plain');
  f.server(sid, 'smtp', '220 mailsandbox ESMTP');
  f.client(sid, 'smtp', 'EHLO bench.test');
  for (const line of ['250-mailsandbox', '250-PIPELINING', '250-8BITMIME', '250 SMTPUTF8'])
    f.server(sid, 'smtp', line);
  f.client(sid, 'smtp', `MAIL FROM:<bench${n}@bench.test>`);
  f.server(sid, 'smtp', '250 Accepted');
  f.client(sid, 'smtp', 'RCPT TO:<sink@bench.test>');
  f.server(sid, 'smtp', '250 Accepted');
  f.client(sid, 'smtp', 'DATA');
  f.server(sid, 'smtp', '354 End data with <CR><LF>.<CR><LF>');
  f.publish({
    type: 'message-stored',
    sid,
    proto: 'smtp',
    id: `m${n}`,
    size: 40,
    from: `bench${n}@bench.test`,
    recipients: ['sink@bench.test'],
  });
  f.server(sid, 'smtp', '250 OK: message queued');
  f.client(sid, 'smtp', 'QUIT');
  f.server(sid, 'smtp', '221 Bye');
  f.publish({ type: 'session-close', sid, proto: 'smtp', reason: 'client quit', durationMs: 3 });
}

describe('a flood of sessions', () => {
  it('draws a bounded number of frames for 3,000 sessions (54,000 events) and shows the newest session and the counts', async () => {
    const f = new FakeSessions();
    app = renderApp({ source: f.bus, size: { columns: 120, rows: 30 }, fps: 10 });
    await app.waitFor((s) => s.includes('No sessions yet'), 'the empty list');
    const before = app.renders();
    const started = Date.now();
    const sessions = 3_000;
    for (let n = 1; n <= sessions; n++) {
      shortSession(f, n);
      // Timers get their turn now and then, as they do between a real flood's socket reads.
      if (n % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const floodMs = Date.now() - started;
    const frame = await app.waitFor(
      (s) => s.includes(`msgs ${sessions} `) && s.includes(`smtp#${sessions} `),
      'the last session and the counters',
    );
    const renders = app.renders() - before;
    // At most 10 frames a second however many events arrive (plus the one that shows the end).
    assert.ok(renders <= Math.ceil(floodMs / 100) + 2, `${renders} frames in ${floodMs} ms`);
    assert.match(frame, /sessions 0 open\/3000 +msgs 3000 /);
    // The list keeps its documented 1,000 rows, newest first, each id in full (not `smtp#30…`).
    assert.match(frame, /Sessions: 1000 shown, newest first/);
    const rows = frame.split('\n').filter((l) => /^[> ] smtp#/.test(l));
    assert.match(rows[0]!, /^> smtp#3000 +smtp +127\.0\.0\.1:\d+ +plain +- +closed +18 +221 /);
    assert.match(rows[1]!, /^ {2}smtp#2999 /);
  });
});

describe('frame pacing', () => {
  it('holds drawing to an eighth of the time when idle and a sixteenth when busy, 10 frames/s at most', () => {
    assert.equal(frameInterval(2, 0, 10), 100);
    assert.equal(frameInterval(20, 0, 10), 160);
    assert.equal(frameInterval(20, 1, 10), 320);
    assert.equal(frameInterval(20, 0.5, 10), 240);
    // However costly a frame, the screen still moves once a second.
    assert.equal(frameInterval(500, 1, 10), 1000);
  });
});

describe('ring', () => {
  it('grows as items come, keeps the newest `capacity` in order, drops and filters', () => {
    const ring = new Ring<number>(5);
    for (let i = 1; i <= 3; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [1, 2, 3]);
    const dropped = [4, 5, 6, 7].map((i) => ring.push(i));
    assert.deepEqual(dropped, [undefined, undefined, 1, 2]);
    assert.deepEqual(ring.toArray(), [3, 4, 5, 6, 7]);
    ring.dropOldest(2);
    assert.deepEqual(ring.toArray(), [5, 6, 7]);
    ring.push(8);
    ring.retain((i) => i % 2 === 0);
    assert.deepEqual(ring.toArray(), [6, 8]);
    for (let i = 9; i <= 20; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [16, 17, 18, 19, 20]);
    assert.equal(ring.get(0), 16);
    ring.dropOldest(10);
    assert.equal(ring.length, 0);
    ring.push(21);
    assert.deepEqual(ring.toArray(), [21]);
  });
});
