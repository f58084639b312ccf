import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crlfSize, dotStuff, textResponse, topOf } from '../../src/protocols/pop3/multiline.js';

/** Undo RFC 1939 §3 stuffing the way a client does: strip one leading dot of each line. */
function unstuff(wire: Buffer): string {
  return wire
    .toString('latin1')
    .split('\r\n')
    .map((l) => (l.startsWith('.') ? l.slice(1) : l))
    .join('\r\n');
}

describe('POP3 multi-line encoding', () => {
  it('leaves a CRLF message without leading dots untouched (same buffer, no copy)', () => {
    const raw = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    assert.equal(dotStuff(raw), raw);
    assert.equal(crlfSize(raw), raw.length);
  });

  it('stuffs leading dots, including on the first line and a lone dot line', () => {
    const raw = Buffer.from('.first\r\nmiddle\r\n.\r\n..two\r\n');
    assert.equal(dotStuff(raw).toString(), '..first\r\nmiddle\r\n..\r\n...two\r\n');
  });

  it('turns bare LF into CRLF, adds a final CRLF, and counts those octets as the size', () => {
    const raw = Buffer.from('a\nb\r\n\nc');
    const wire = dotStuff(raw);
    assert.equal(wire.toString(), 'a\r\nb\r\n\r\nc\r\n');
    assert.equal(crlfSize(raw), wire.length);
  });

  it('keeps a bare CR inside a line as it is', () => {
    assert.equal(dotStuff(Buffer.from('a\rb\n')).toString(), 'a\rb\r\n');
  });

  it('sizes match the unstuffed wire form for every split of a tricky message', () => {
    const raw = Buffer.from('.x\n.\r\n\n..\r\nend');
    const wire = dotStuff(raw);
    assert.equal(Buffer.byteLength(unstuff(wire), 'latin1'), crlfSize(raw));
    // Byte-by-byte prefixes: stuffing never loses or invents content.
    for (let i = 0; i <= raw.length; i++) {
      const part = raw.subarray(0, i);
      const expected = part.toString('latin1').replace(/\r?\n/g, '\r\n');
      const withEnd = expected.length && !expected.endsWith('\r\n') ? expected + '\r\n' : expected;
      assert.equal(unstuff(dotStuff(part)), withEnd, `prefix of ${i} bytes`);
      assert.equal(crlfSize(part), Buffer.byteLength(withEnd, 'latin1'), `size of the prefix of ${i} bytes`);
    }
  });

  it('an empty message is an empty body', () => {
    assert.equal(dotStuff(Buffer.alloc(0)).length, 0);
    assert.equal(crlfSize(Buffer.alloc(0)), 0);
  });

  it('TOP takes the header, the blank line and n body lines', () => {
    const raw = Buffer.from('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n');
    assert.equal(topOf(raw, 0).toString(), 'A: 1\r\nB: 2\r\n\r\n');
    assert.equal(topOf(raw, 2).toString(), 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n');
    assert.equal(topOf(raw, 99).toString(), raw.toString());
    assert.equal(topOf(Buffer.from('A: 1\nB: 2\n\nl1\n'), 0).toString(), 'A: 1\nB: 2\n\n');
    assert.equal(topOf(Buffer.from('A: 1\r\nno blank line'), 5).toString(), 'A: 1\r\nno blank line');
  });

  it('text responses are stuffed and terminated', () => {
    assert.equal(textResponse('+OK', ['a', '.b']), '+OK\r\na\r\n..b\r\n.\r\n');
  });
});
