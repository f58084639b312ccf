import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMutf7, encodeMutf7 } from '../../src/protocols/imap/mailbox-encoding.js';

describe('modified UTF-7 mailbox names (RFC 3501 §5.1.3)', () => {
  const pairs: [string, string][] = [
    // RFC 3501 §5.1.3's example
    ['~peter/mail/&U,BTFw-/&ZeVnLIqe-', '~peter/mail/台北/日本語'],
    ['Entw&APw-rfe', 'Entwürfe'],
    ['a&-b', 'a&b'],
    ['&2D3eAA-', '😀'],
    ['plain', 'plain'],
  ];
  for (const [wire, unicode] of pairs)
    it(`${wire} ⇄ ${unicode}`, () => {
      assert.equal(decodeMutf7(wire), unicode);
      assert.equal(encodeMutf7(unicode), wire);
    });

  it('refuses what is not mUTF-7', () => {
    for (const bad of ['a&b', '&U,BTF', '&AGE-' /* "a" encoded */, '&Jjo!-', 'ü&-', '&U,BTFw-&ZeVnLIqe-x&AA'])
      assert.equal(decodeMutf7(bad), null, bad);
  });
});
