import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventLine } from '../../src/log/event-lines.js';
import { TranscriptBus } from '../../src/transcript/bus.js';
import { describeEvent } from '../../src/transcript/export.js';
import { messageShape } from '../../src/transcript/message-shape.js';

describe('finding events and message shapes', () => {
  it('a finding is a pino line at its severity with id, line and message, and a transcript line', () => {
    const bus = new TranscriptBus(10);
    const event = bus.publish({
      type: 'finding',
      sid: 'smtp#1',
      proto: 'smtp',
      id: 'plaintext-auth',
      severity: 'error',
      message: 'AUTH PLAIN sent the password without TLS',
      line: 12,
      at: 12,
    });
    const json = JSON.parse(eventLine(event)) as Record<string, unknown>;
    assert.equal(json.level, 50);
    assert.equal(json.event, 'finding');
    assert.equal(json.id, 'plaintext-auth');
    assert.equal(json.severity, 'error');
    assert.equal(json.line, 12);
    assert.equal(json.message, 'AUTH PLAIN sent the password without TLS');
    assert.equal(
      describeEvent(event),
      '-- finding error plaintext-auth (line 12): AUTH PLAIN sent the password without TLS',
    );
    const info = bus.publish({
      type: 'finding',
      sid: 'imap#1',
      proto: 'imap',
      id: 'no-quit',
      severity: 'info',
      message: 'the client closed the connection without LOGOUT',
      line: 3,
      at: 3,
    });
    assert.equal((JSON.parse(eventLine(info)) as { level: number }).level, 30);
  });

  it('messageShape finds bare LF, bare CR, the longest line and 8-bit octets', () => {
    assert.deepEqual(messageShape(Buffer.from('a\r\nbb\r\n')), {
      bareLf: false,
      bareCr: false,
      longestLine: 2,
      eightBit: false,
    });
    assert.equal(messageShape(Buffer.from('a\nb\r\n')).bareLf, true);
    assert.equal(messageShape(Buffer.from('\na')).bareLf, true);
    assert.equal(messageShape(Buffer.from('a\rb\r\n')).bareCr, true);
    assert.equal(messageShape(Buffer.from('a\r')).bareCr, true);
    assert.equal(messageShape(Buffer.from(`${'x'.repeat(999)}\r\n`)).longestLine, 999);
    assert.equal(messageShape(Buffer.from(`x\r\n${'y'.repeat(1000)}`)).longestLine, 1000);
    assert.equal(messageShape(Buffer.from('caf\xc3\xa9\r\n', 'latin1')).eightBit, true);
  });
});
