import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventLineWriter, eventLine } from '../../src/log/event-lines.js';
import { TranscriptBus } from '../../src/transcript/bus.js';
import { describeEvent } from '../../src/transcript/export.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';

function events(): TranscriptEvent[] {
  const bus = new TranscriptBus(100);
  const base = { sid: 'smtp#1', proto: 'smtp' } as const;
  bus.publish({
    ...base,
    type: 'session-open',
    listener: 'smtp',
    localPort: 3025,
    tls: 'starttls',
    remoteAddress: '127.0.0.1',
    remotePort: 5555,
  });
  bus.publish({
    ...base,
    type: 'client-line',
    line: 'AUTH PLAIN AHUAcA==',
    decoded: 'authzid="" user="u" password="p"',
  });
  bus.publish({ ...base, type: 'server-line', line: '235 2.7.0 "quoted" \\ back\tslash \u00e9\u0001' });
  bus.publish({
    ...base,
    type: 'tls-upgraded',
    how: 'starttls',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
  });
  bus.publish({ ...base, type: 'auth', mechanism: 'PLAIN', username: 'u', ok: true });
  bus.publish({
    ...base,
    type: 'message-stored',
    id: 'X1',
    size: 10,
    from: 'a@b',
    recipients: ['c@d', 'e@f'],
  });
  bus.publish({ ...base, type: 'scenario-action', rule: 'r1', action: 'reply 452' });
  bus.publish({ ...base, type: 'note', level: 'warn', text: 'socket error: ECONNRESET' });
  bus.publish({ ...base, type: 'session-close', reason: 'client closed the connection', durationMs: 1234 });
  return bus.history();
}

describe('headless JSON lines', () => {
  it('writes every event type as one parseable line with the fixed keys and the event fields', () => {
    for (const event of events()) {
      const text = eventLine(event);
      assert.ok(text.endsWith('}\n') && !text.slice(0, -1).includes('\n'), text);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.equal(parsed.event, event.type);
      assert.equal(parsed.sid, 'smtp#1');
      assert.equal(parsed.proto, 'smtp');
      assert.equal(parsed.time, event.time);
      assert.equal(typeof parsed.msg, 'string');
      assert.ok((parsed.msg as string).startsWith('[smtp#1] '));
      for (const [key, value] of Object.entries(event)) {
        if (['seq', 'time', 'type', 'level'].includes(key)) continue;
        assert.deepEqual(parsed[key], value, `${event.type}.${key}`);
      }
    }
  });

  it('marks direction, keeps odd characters exact and gives notes pino levels without a second "level" key', () => {
    const [, client, server, , , , , note] = events().map(eventLine);
    assert.equal(JSON.parse(client!).dir, 'C');
    assert.equal(JSON.parse(server!).dir, 'S');
    assert.equal(JSON.parse(server!).line, '235 2.7.0 "quoted" \\ back\tslash \u00e9\u0001');
    assert.equal(JSON.parse(note!).level, 40);
    assert.equal(note!.match(/"level"/g)!.length, 1);
    assert.equal(JSON.parse(client!).level, 30);
  });

  it('hands the waiting lines over as one write when the batch is full or its delay is up, in order', async () => {
    const writes: string[] = [];
    const writer = new EventLineWriter((text) => writes.push(text), 4, 20);
    const all = events();
    for (const event of all.slice(0, 6)) writer.write(event);
    assert.equal(writes.length, 1, 'a full batch goes out at once');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.length, 1, 'the rest waits for more lines (the server never waits for the log)');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(writes.length, 2, 'the rest once the delay is up');
    const lines = writes.join('').trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { event: string }).event),
      all.slice(0, 6).map((e) => e.type),
    );
    writer.write(all[6]!);
    writer.flush();
    assert.equal(writes.length, 3, 'flush() writes what waits at once (exit)');
  });

  it("writes a stored message's recipients and shape exactly as JSON.stringify does", () => {
    const bus = new TranscriptBus(10);
    const shape = { bareLf: false, bareCr: true, longestLine: 1000, eightBit: false };
    const recipientLists = [['c@d'], ['c@d', 'e@f'], [], ['"q"@d', 'b\\s@d'], ['\u00e9@d', 'c@d']];
    for (const recipients of recipientLists)
      for (const s of [
        shape,
        undefined,
        { odd: 'x"y', n: 1 },
        { nested: { a: 1 } },
        { gone: undefined, b: true },
      ]) {
        const event = bus.publish({
          type: 'message-stored',
          sid: 'smtp#3',
          proto: 'smtp',
          id: 'ID1',
          size: 12,
          from: 'a@b',
          recipients,
          shape: s as typeof shape | undefined,
        });
        const text = eventLine(event);
        assert.ok(text.includes(`,"recipients":${JSON.stringify(recipients)},`), text);
        if (s) assert.ok(text.includes(`,"shape":${JSON.stringify(s)},`), text);
        else assert.ok(!text.includes('"shape"'), text);
        assert.deepEqual(JSON.parse(text).recipients, recipients);
      }
  });

  it('writes plain lines and lines needing escapes exactly as the general serializer does', () => {
    const bus = new TranscriptBus(10);
    const samples = [
      'MAIL FROM:<a@b>',
      'say "hi"',
      'back\\slash',
      'tab\there',
      '\u00e9t\u00e9',
      'del\x7f',
      '',
    ];
    for (const line of samples)
      for (const decoded of [undefined, '', 'user="u"', 'quote"d'])
        for (const type of ['client-line', 'server-line'] as const) {
          const event = bus.publish({ type, sid: 'smtp#9', proto: 'smtp', line, decoded });
          const parsed = JSON.parse(eventLine(event)) as Record<string, unknown>;
          assert.equal(parsed.line, line);
          assert.equal(parsed.decoded, decoded);
          assert.equal(parsed.dir, type === 'client-line' ? 'C' : 'S');
          assert.equal(parsed.msg, `[smtp#9] ${describeEvent(event)}`);
        }
  });
});
