import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../src/cli/flags.js';
import { TranscriptBus } from '../../src/transcript/bus.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { startTestSandbox } from '../helpers/sandbox.js';

function serverLine(bus: TranscriptBus, line: string): void {
  bus.publish({ type: 'server-line', sid: 'imap#1', proto: 'imap', line });
}

describe('transcript history bounded in bytes', () => {
  it('drops the oldest events past maxBytes and keeps the newest in order', () => {
    const bus = new TranscriptBus(1_000, 2_000, 10_000);
    for (let n = 1; n <= 200; n++) serverLine(bus, `* ${n} FETCH ${'x'.repeat(500)}`);
    const kept = bus.history();
    assert.ok(bus.sizeBytes <= 10_000, `${bus.sizeBytes} bytes kept`);
    // 500-character lines count about 600 bytes: 16 of them fit in 10,000.
    assert.ok(kept.length >= 10 && kept.length <= 17, `${kept.length} events kept`);
    assert.deepEqual(
      kept.map((e) => e.seq),
      Array.from({ length: kept.length }, (_, i) => 201 - kept.length + i),
    );
  });

  it('still keeps at most `capacity` events, and always the newest even when it alone is too big', () => {
    const bus = new TranscriptBus(5, 2_000, 1_000);
    for (let n = 1; n <= 12; n++) serverLine(bus, `${n}`);
    assert.deepEqual(
      bus.history().map((e) => e.seq),
      [8, 9, 10, 11, 12],
    );
    serverLine(bus, 'y'.repeat(1_900));
    assert.deepEqual(
      bus.history().map((e) => e.seq),
      [13],
    );
    serverLine(bus, 'small');
    assert.deepEqual(
      bus.history().map((e) => e.seq),
      [14],
    );
  });

  it('--transcript-memory MB sets the bound; without it the library default applies', () => {
    assert.equal(parseFlags(['--transcript-memory', '8']).sandbox.limits?.transcriptBytes, 8 * 1024 * 1024);
    assert.equal(parseFlags([]).sandbox.limits?.transcriptBytes, undefined);
    assert.throws(() => parseFlags(['--transcript-memory', '0']), /--transcript-memory/);
  });

  describe('a sandbox with a 16 KiB history', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp'], limits: { transcriptBytes: 16 * 1024 } });
    after(() => sb.close());

    it('keeps the last sessions whole, readable through transcript.history() and text()', async () => {
      for (let n = 0; n < 20; n++)
        await sendMail({ port: sb.ports.smtp!, raw: sampleMessage(`history ${n}`) });
      assert.equal(sb.messages().length, 20);
      const events = sb.transcript.history();
      const sids = [...new Set(events.map((e) => e.sid))];
      assert.ok(sb.bus.sizeBytes <= 16 * 1024, `${sb.bus.sizeBytes} bytes kept`);
      assert.ok(sids.length > 1 && sids.length < 20, `${sids.length} sessions kept`);
      assert.ok(!sids.includes('smtp#1'), 'the first session was dropped');
      const last = sb.transcript.history('smtp#20');
      assert.equal(last[0]?.type, 'session-open');
      assert.match(sb.transcript.text('smtp#20'), /250 [\d.]+ Ok: queued as/);
    });
  });
});
