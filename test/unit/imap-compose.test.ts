import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  atom,
  compose,
  prepare,
  Prepared,
  ResponseWriter,
  sentLines,
  type Wire,
} from '../../src/protocols/imap/compose.js';
import {
  bodyStructure,
  bodyStructureWire,
  envelope,
  envelopeWire,
  type MessageBytes,
} from '../../src/protocols/imap/mime-access.js';
import { fieldsOf } from '../../src/protocols/imap/message-fields.js';
import { DOVECOT } from '../fixtures/mime/dovecot-expected.js';

// dist/test/unit → the fixtures stay in the source tree
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/mime/', import.meta.url));
const fixture = (name: string): Buffer => readFileSync(FIXTURES + name + '.eml');

/** A message held in memory. */
const bytes = (raw: Buffer): MessageBytes => ({ raw, head: raw });

/** The wire bytes of one value as FETCH writes it, without the CRLF that ends the response. */
function wireBytes(value: Wire): Buffer {
  const bytes = Buffer.concat(compose('', [value]).chunks);
  return bytes.subarray(0, bytes.length - 2);
}

/** Two addresses in To, two body parts: the runs RFC 3501 §9 writes without spaces. */
const TWO_PARTS = readFileSync(FIXTURES + 'two-parts.eml');

describe('IMAP composer: ENVELOPE and BODYSTRUCTURE bytes', () => {
  it('writes the parts of a multipart and the addresses of a list without a space between them', () => {
    const out = compose('* 1 FETCH ', [
      [
        atom('ENVELOPE'),
        envelopeWire(bytes(TWO_PARTS)),
        atom('BODY'),
        bodyStructureWire(bytes(TWO_PARTS), false),
        atom('BODYSTRUCTURE'),
        bodyStructureWire(bytes(TWO_PARTS), true),
      ],
    ]);
    // What Dovecot 2.3.19 answers for this message, item by item (FETCH 1 ENVELOPE, BODY, BODYSTRUCTURE).
    const expected =
      '* 1 FETCH (ENVELOPE ("Sat, 28 Nov 2026 09:00:00 +0100" "two parts" (("Alice" NIL "a" "x")) ' +
      '(("Alice" NIL "a" "x")) (("Alice" NIL "a" "x")) (("A" NIL "a" "x")("B" NIL "b" "y")) NIL NIL NIL "<two@x>") ' +
      'BODY (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 0)' +
      '("application" "octet-stream" ("name" "f.bin") NIL NIL "base64" 4) "mixed") ' +
      'BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)' +
      '("application" "octet-stream" ("name" "f.bin") NIL NIL "base64" 4 NIL ("attachment" ("filename" "f.bin")) NIL NIL) ' +
      '"mixed" ("boundary" "b1") NIL NIL NIL))';
    assert.equal(Buffer.concat(out.chunks).toString('latin1'), expected + '\r\n');
    assert.equal(out.text, expected);
  });

  it('separates every other item by one space, lists after the first non-list too', () => {
    assert.equal(
      wireBytes([['a'], ['b', null], 'mixed', ['x', 'y'], ['z'], null, 1]).toString(),
      '(("a")("b" NIL) "mixed" ("x" "y") ("z") NIL 1)',
    );
    assert.equal(wireBytes([[atom('\\Seen')], atom('X')]).toString(), '((\\Seen) X)');
    assert.equal(wireBytes([]).toString(), '()');
  });

  it("matches Dovecot's ENVELOPE, BODY and BODYSTRUCTURE for every fixture, byte for byte", () => {
    for (const [name, expected] of Object.entries(DOVECOT)) {
      const raw = fixture(name);
      const latin1 = (v: Wire) => wireBytes(v).toString('latin1');
      assert.equal(latin1(envelopeWire(bytes(raw))), expected.envelope, `${name} ENVELOPE`);
      assert.equal(latin1(bodyStructureWire(bytes(raw), false)), expected.body, `${name} BODY`);
      assert.equal(
        latin1(bodyStructureWire(bytes(raw), true)),
        expected.bodyStructure,
        `${name} BODYSTRUCTURE`,
      );
    }
  });

  it('a prepared value writes the same bytes as the value itself, literals included', () => {
    for (const name of ['8bit-body', 'nested-rfc822', 'edge-cases', 'two-parts']) {
      const raw = name === 'two-parts' ? TWO_PARTS : fixture(name);
      for (const [value, prepared] of [
        [envelope(raw), envelopeWire(bytes(raw))],
        [bodyStructure(raw, false), bodyStructureWire(bytes(raw), false)],
        [bodyStructure(raw, true), bodyStructureWire(bytes(raw), true)],
      ] as const) {
        assert.deepEqual(wireBytes(prepared), wireBytes(value), name);
        assert.deepEqual(compose('* 1 FETCH ', [prepared]), compose('* 1 FETCH ', [value]), name);
      }
    }
    // 8-bit header text goes out as a literal, summarised in the transcript as any literal is.
    const env = envelopeWire(bytes(fixture('8bit-body')));
    assert.equal(env.text, null);
    assert.equal(env.pieces?.length, 3);
    const out = compose('* 1 FETCH ', [[atom('ENVELOPE'), env]]);
    assert.equal(out.chunks.length, 3);
    assert.match(
      out.text,
      /^\* 1 FETCH \(ENVELOPE \("Sat, 28 Nov 2026 09:06:00 \+0100" \{24\} <24 bytes: "Café/,
    );
  });

  it('serializes once per message and keeps the text flat in one string', () => {
    const message = bytes(TWO_PARTS);
    const envelopeText = envelopeWire(message).text!;
    // Kept as one string in the message's one record (message-fields.ts), served from there again. No
    // Sender or Reply-To: the from list they repeat is kept once.
    const from = '(("Alice" NIL "a" "x"))';
    assert.ok(envelopeText.includes(`${from} ${from} ${from}`));
    assert.equal(typeof fieldsOf(message).envelopeWire, 'string');
    assert.equal((fieldsOf(message).envelopeWire as string).length, envelopeText.length - 2 * from.length);
    assert.equal(envelopeWire(message).text, envelopeText);
    // With a Reply-To of its own, all three lists go out as they are.
    const replyTo = Buffer.from(
      TWO_PARTS.toString('latin1').replace('Subject:', 'Reply-To: Bob <b@y>\r\nSubject:'),
      'latin1',
    );
    assert.match(
      envelopeWire(bytes(replyTo)).text!,
      /"two parts" (\(\("Alice" NIL "a" "x"\)\) ){2}\(\("Bob" NIL "b" "y"\)\) \(\("A"/,
    );
    const structureText = bodyStructureWire(message, true).text;
    assert.equal(fieldsOf(message).bodyStructureWire, structureText);
    assert.notEqual(bodyStructureWire(message, false).text, structureText);
    // Keyed by the message: another message, another record.
    assert.equal(fieldsOf(bytes(TWO_PARTS)).envelopeWire, null);
    const p = prepare(['a', 1, null]);
    assert.ok(p instanceof Prepared);
    assert.equal(p.text, '("a" 1 NIL)');
    assert.equal(p.pieces, null, 'no pieces kept beside the text');
  });
});

describe('IMAP composer: several responses through one writer', () => {
  it('hands out the bytes of the ended responses in order, literals as their own chunks', () => {
    const w = new ResponseWriter(80);
    w.str('* 1 FETCH (UID 1)');
    assert.equal(w.end(), '* 1 FETCH (UID 1)');
    w.str('* 2 FETCH (BODY[] ');
    w.value(Buffer.from('ab\r\n'));
    w.str(' UID 2)');
    assert.equal(w.end(), '* 2 FETCH (BODY[] {4} <4 bytes: "ab"> UID 2)');
    w.str('* 3 FETCH (UID 3)');
    assert.equal(w.end(), '* 3 FETCH (UID 3)');
    const chunks = w.take();
    assert.deepEqual(
      chunks.map((c) => c.toString()),
      ['* 1 FETCH (UID 1)\r\n* 2 FETCH (BODY[] {4}\r\n', 'ab\r\n', ' UID 2)\r\n* 3 FETCH (UID 3)\r\n'],
    );
    assert.deepEqual(w.take(), []);
    w.str('* 4 FETCH (UID 4)');
    w.end();
    assert.equal(Buffer.concat(w.take()).toString(), '* 4 FETCH (UID 4)\r\n');
  });

  it('sentLines reads the bytes as far as a cut let them out, at every cut point', () => {
    const w = new ResponseWriter(80);
    w.str('* 1 FETCH (UID 1)');
    const first = w.end();
    w.str('* 2 FETCH (BODY[] ');
    w.value(Buffer.from('ab\r\ncd'));
    w.str(' UID 2)');
    const second = w.end();
    const chunks = w.take();
    const total = Buffer.concat(chunks).length;
    const at = (sent: number) => sentLines(chunks, sent, 80);
    const head = '* 2 FETCH (BODY[] {6}';
    const literalAt = first.length + 2 + head.length + 2;
    assert.deepEqual(at(total), [first, second], 'all of it: the usual reading');
    assert.deepEqual(at(0), []);
    assert.deepEqual(at(5), ['* 1 F']);
    assert.deepEqual(at(first.length + 1), [first], 'CR without LF');
    assert.deepEqual(at(first.length + 2), [first]);
    assert.deepEqual(at(first.length + 2 + 4), [first, '* 2 ']);
    assert.deepEqual(at(literalAt - 1), [first, head], 'the literal had not started');
    assert.deepEqual(at(literalAt), [first, `${head} <0 of 6 bytes sent>`]);
    assert.deepEqual(at(literalAt + 3), [first, `${head} <3 of 6 bytes sent: "ab">`]);
    assert.deepEqual(at(literalAt + 6), [first, `${head} <6 bytes: "ab">`]);
    assert.deepEqual(at(literalAt + 10), [first, `${head} <6 bytes: "ab"> UID`]);
    assert.deepEqual(at(total - 2), [first, second]);
    for (let sent = 0; sent <= total; sent++) {
      const lines = at(sent);
      // Lines before the last went out whole; the last is the full reading only once its text went out.
      assert.ok(lines.length <= 2, `${sent}`);
      if (lines.length === 2) assert.equal(lines[0], first, `${sent}`);
      if (sent < total - 2) assert.notEqual(lines.at(-1), second, `${sent}`);
    }
  });
});
