import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader } from '../../src/core/line-reader.js';
import { TranscriptBus } from '../../src/transcript/bus.js';

function frame(input: Buffer, split: number[], max = 100) {
  const out: string[] = [];
  const reader = new LineReader({
    maxLineBytes: max,
    onLine(line) {
      out.push('L:' + line.toString());
      const literal = /\{(\d+)\}$/.exec(line.toString());
      if (literal) {
        const parts: Buffer[] = [];
        reader.readBytes(Number(literal[1]), (chunk, done) => {
          parts.push(chunk);
          if (done) out.push('B:' + Buffer.concat(parts).toString());
        });
      }
    },
    onOverflow(n, phase) {
      // How far a line ran before it passed the limit depends on the split; its end does not.
      out.push(phase === 'started' ? 'O:started' : `O:${phase}:${n}`);
    },
  });
  let at = 0;
  for (const s of [...split, input.length]) {
    reader.push(input.subarray(at, s));
    at = s;
  }
  return out;
}

describe('LineReader', () => {
  const input = Buffer.from(
    'A1 NOOP\r\nA2 APPEND x {5}\r\nab\r\nc tail\r\nbare lf\n' + 'X'.repeat(150) + '\r\nafter\r\n',
  );
  const expected = [
    'L:A1 NOOP',
    'L:A2 APPEND x {5}',
    'B:ab\r\nc',
    'L: tail',
    'L:bare lf',
    'O:started',
    'O:ended:152',
    'L:after',
  ];

  it('frames lines, literals and overlong lines the same at every split point', () => {
    assert.deepEqual(frame(input, []), expected);
    for (let i = 1; i < input.length; i++) assert.deepEqual(frame(input, [i]), expected, `split at ${i}`);
  });

  it('fed byte by byte', () => {
    assert.deepEqual(
      frame(
        input,
        Array.from({ length: input.length - 1 }, (_, i) => i + 1),
      ),
      expected,
    );
  });

  it('never buffers more than the limit of a line without LF', () => {
    const reader = new LineReader({
      maxLineBytes: 1024,
      onLine: () => assert.fail('no line'),
      onOverflow: () => {},
    });
    for (let i = 0; i < 1024; i++) reader.push(Buffer.alloc(1024, 'a'));
    assert.ok((reader as unknown as { partBytes: number }).partBytes <= 1025);
    assert.equal(reader.midCommand, true);
  });

  it('reports a line as soon as it passes the limit, once, then its size at the LF or the discard', () => {
    const seen: string[] = [];
    const reader = new LineReader({
      maxLineBytes: 1024,
      onLine: (line) => seen.push('L:' + line.toString()),
      onOverflow: (n, phase) => seen.push(`${phase}:${n}`),
    });
    reader.push(Buffer.alloc(1000, 'a'));
    assert.deepEqual(seen, [], 'under the limit: nothing yet');
    reader.push(Buffer.alloc(1000, 'a'));
    assert.deepEqual(seen, ['started:2000'], 'no LF needed to hear of it');
    for (let i = 0; i < 100; i++) reader.push(Buffer.alloc(1000, 'a'));
    reader.push(Buffer.from('a\r\nnext\r\n'));
    assert.deepEqual(seen, ['started:2000', 'ended:102003', 'L:next']);
    reader.push(Buffer.alloc(5000, 'b'));
    reader.discard();
    reader.discard();
    assert.deepEqual(seen.slice(3), ['started:5000', 'cut:5000'], 'a discard cuts it, once');
  });

  it('a discard mid-literal, or after it before its line ended, tells the literal how far it got', () => {
    const cuts: number[] = [];
    const reader: LineReader = new LineReader({
      maxLineBytes: 100,
      onLine(line) {
        const m = /\{(\d+)\}$/.exec(line.toString());
        if (m)
          reader.readBytes(
            Number(m[1]),
            () => {},
            (received) => cuts.push(received),
          );
      },
      onOverflow: () => {},
    });
    reader.push(Buffer.from('a APPEND x {500}\r\n' + 'x'.repeat(27)));
    reader.discard();
    assert.deepEqual(cuts, [27]);
    reader.push(Buffer.from('b APPEND x {5}\r\nhello'));
    reader.discard();
    assert.deepEqual(cuts, [27, 5], 'the literal came whole, the end of its command did not');
    reader.push(Buffer.from('c APPEND x {5}\r\nhello\r\n'));
    reader.discard();
    assert.deepEqual(cuts, [27, 5], 'a finished command is not cut');
  });
});

describe('TranscriptBus', () => {
  it('keeps at most `capacity` events, oldest dropped, and truncates long lines', () => {
    const bus = new TranscriptBus(100, 50);
    for (let i = 0; i < 10_000; i++)
      bus.publish({ type: 'client-line', sid: 's', proto: 'smtp', line: `line ${i}` });
    const h = bus.history();
    assert.equal(h.length, 100);
    assert.equal(h[0]!.type === 'client-line' && h[0].line, 'line 9900');
    assert.equal(h.at(-1)!.seq, 10_000);
    const long = bus.publish({ type: 'server-line', sid: 's', proto: 'smtp', line: 'x'.repeat(80) });
    assert.equal(long.type === 'server-line' && long.line, 'x'.repeat(50) + '… (30 more characters)');
  });

  it('drops a subscriber that throws; the others keep receiving', () => {
    const bus = new TranscriptBus(10);
    let good = 0;
    bus.subscribe(() => {
      throw new Error('broken consumer');
    });
    bus.subscribe(() => good++);
    bus.publish({ type: 'note', sid: 's', proto: 'smtp', level: 'info', text: 'a' });
    bus.publish({ type: 'note', sid: 's', proto: 'smtp', level: 'info', text: 'b' });
    assert.equal(good, 2);
  });
});
