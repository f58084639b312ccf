import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { wireText } from '../../src/protocols/imap/compose.js';
import { bodyStructure, envelope, type ImapData } from '../../src/protocols/imap/mime-access.js';
import { bodySection, bodyText } from '../../src/store/mime.js';

// Properties that hold for any input, checked on the fixtures and on seeded random damage to them:
// every size in BODY equals the length of the bytes BODY[part] hands out, every line count equals
// the line feeds in those bytes, and nothing throws.

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/mime/', import.meta.url));
const fixtures = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => ({ name, raw: readFileSync(FIXTURES + name) }));

function lineFeeds(bytes: Buffer): number {
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return n;
}

const str = (v: ImapData): string => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)).toLowerCase();

/**
 * Walks a BODY structure; for each part checks its size (and lines) against BODY[path]. `ofMessage`:
 * the structure is a message's (the root or an encapsulated one), whose single non-multipart body is
 * its part 1. Returns the parts seen.
 */
function checkPart(raw: Buffer, body: ImapData[], path: number[], ofMessage: boolean, label: string): number {
  if (Array.isArray(body[0])) {
    let seen = 0;
    for (let i = 0; i < body.length && Array.isArray(body[i]); i++) {
      seen += checkPart(raw, body[i] as ImapData[], [...path, i + 1], false, label);
    }
    return seen;
  }
  const partPath = ofMessage ? [...path, 1] : path;
  const bytes = bodySection(raw, { part: partPath, kind: 'full' });
  const size = body[6] as number;
  const where = `${label} [${partPath.join('.')}]`;
  if (bytes === null) {
    // only the stand-in part of a multipart without parts has no bytes
    assert.equal(size, 0, where);
    return 1;
  }
  assert.equal(size, bytes.length, `size of ${where}`);
  const isMessage = str(body[0]) === 'message' && str(body[1]) === 'rfc822';
  if (isMessage) {
    assert.equal(body[9], lineFeeds(bytes), `lines of ${where}`);
    assert.equal((body[7] as ImapData[]).length, 10, `envelope of ${where}`);
    return 1 + checkPart(raw, body[8] as ImapData[], partPath, true, label);
  }
  if (str(body[0]) === 'text') assert.equal(body[7], lineFeeds(bytes), `lines of ${where}`);
  return 1;
}

function checkMessage(raw: Buffer, label: string): void {
  assert.equal(envelope(raw).length, 10, label);
  const body = bodyStructure(raw, false);
  const extended = bodyStructure(raw, true);
  assert.match(wireText(extended), /^\(.*\)$/s, label);
  assert.ok(checkPart(raw, body, [], true, label) >= 1, label);
  assert.equal(typeof bodyText(raw), 'string');
}

/** Deterministic damage: cut, duplicate, drop line feeds, splice in delimiter-like lines. */
function damage(raw: Buffer, seed: number): Buffer {
  let state = seed;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % Math.max(n, 1);
  };
  let bytes = Buffer.from(raw);
  for (let step = 0; step < 4; step++) {
    const at = rand(bytes.length);
    const inserts = [
      '\r\n',
      '\n',
      '--',
      '\r\n--outer-XYZ\r\n',
      '\n--fwd-outer--\n',
      '\r\n\r\n',
      ':',
      '"',
      '(',
    ];
    switch (rand(4)) {
      case 0:
        bytes = bytes.subarray(0, at);
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(rand(bytes.length))]);
        break;
      case 2:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from(inserts[rand(inserts.length)]),
          bytes.subarray(at),
        ]);
        break;
      default:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + rand(8))]);
    }
  }
  return bytes;
}

describe('mime: sizes and line counts agree with the section bytes', () => {
  for (const { name, raw } of fixtures) {
    it(name, () => checkMessage(raw, name));
  }

  it('still agree, and nothing throws, on 2,000 damaged copies of the fixtures', { timeout: 20_000 }, () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const { name, raw } = fixtures[seed % fixtures.length];
      checkMessage(damage(raw, seed), `${name} damaged with seed ${seed}`);
    }
  });
});
