import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compose, type Wire } from '../../src/protocols/imap/compose.js';
import { bodyStructure, envelope } from '../../src/protocols/imap/mime-access.js';
import { bodySection, bodyText, headerValues, mimeTree, type SectionSpec } from '../../src/store/mime.js';
import { DOVECOT } from '../fixtures/mime/dovecot-expected.js';

// dist/test/unit → the fixtures stay in the source tree
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/mime/', import.meta.url));
const fixture = (name: string): Buffer => readFileSync(FIXTURES + name + '.eml');

/** `2.HEADER.FIELDS (subject FROM)` as a client writes it → SectionSpec. */
function section(text: string): SectionSpec {
  const m = /^((?:\d+\.)*\d+)?\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)?(?: \((.*)\))?$/.exec(
    text,
  );
  assert.ok(m, `bad section ${text}`);
  return {
    part: m[1] ? m[1].split('.').map(Number) : [],
    kind: (m[2] ?? 'full') as SectionSpec['kind'],
    fields: m[3]?.split(' '),
  };
}

/** The wire bytes of one value as FETCH writes them (without the CRLF that ends the response). */
function wireBytes(value: Wire): Buffer {
  const bytes = Buffer.concat(compose('', [value]).chunks);
  return bytes.subarray(0, bytes.length - 2);
}

/** The same, as text (literal bytes as latin1 characters), the form the Dovecot expectations take. */
const wireString = (value: Wire): string => wireBytes(value).toString('latin1');

const latin1 = (b: Buffer | null): string | null => (b === null ? null : b.toString('latin1'));

describe('mime: ENVELOPE, BODY, BODYSTRUCTURE and sections match Dovecot 2.3', () => {
  for (const [name, expected] of Object.entries(DOVECOT)) {
    it(name, () => {
      const raw = fixture(name);
      assert.equal(wireString(envelope(raw)), expected.envelope, 'ENVELOPE');
      assert.equal(wireString(bodyStructure(raw, false)), expected.body, 'BODY');
      assert.equal(wireString(bodyStructure(raw, true)), expected.bodyStructure, 'BODYSTRUCTURE');
      for (const [spec, bytes] of Object.entries(expected.sections ?? {})) {
        assert.equal(latin1(bodySection(raw, section(spec))), bytes, `BODY[${spec}]`);
      }
    });
  }
});

describe('mime: sections', () => {
  it('hands out the stored bytes of the whole message for BODY[]', () => {
    const raw = fixture('nested-rfc822');
    assert.equal(bodySection(raw, section('')), raw);
  });

  it('returns null for parts that do not exist (Dovecot sends an empty string) and for [MIME]', () => {
    const nested = fixture('nested-rfc822');
    for (const spec of ['4', '3.2', '3.1.1', '1.1.1', '2.3', '0', '2.0.1']) {
      assert.equal(bodySection(nested, section(spec)), null, spec);
    }
    const simple = fixture('simple-text');
    for (const spec of ['2', '1.1', '2.MIME']) assert.equal(bodySection(simple, section(spec)), null, spec);
    assert.equal(bodySection(simple, { part: [], kind: 'MIME' }), null);
    // a multipart whose boundary is missing has no parts, although BODYSTRUCTURE shows an empty one
    assert.equal(bodySection(fixture('multipart-without-boundary'), section('1')), null);
  });

  it('keeps LF-only messages byte for byte (sizes count the stored bytes)', () => {
    const raw = fixture('lf-only');
    // Derived by hand from the file. Dovecot reports 20 and 10 octets here because it serves the
    // message with CRLF; we serve the stored bytes, so sizes count those.
    assert.equal(
      wireString(bodyStructure(raw, true)),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 18 2 NIL NIL NIL NIL)' +
        '("text" "x-diff" ("name" "patch.diff" "charset" "us-ascii") NIL NIL "7bit" 9 1 NIL' +
        ' ("attachment" ("filename" "patch.diff")) NIL NIL) "mixed" ("boundary" "lfb") NIL NIL NIL)',
    );
    assert.equal(
      wireString(envelope(raw)),
      '("Sat, 28 Nov 2026 09:07:00 +0100" "LF only with a folded subject"' +
        ' (("Unix User" NIL "user" "example.org")) (("Unix User" NIL "user" "example.org"))' +
        ' (("Unix User" NIL "user" "example.org")) ((NIL NIL "bob" "example.com")) NIL NIL NIL NIL)',
    );
    const header =
      'Date: Sat, 28 Nov 2026 09:07:00 +0100\nFrom: Unix User <user@example.org>\nTo: bob@example.com\n' +
      'Subject: LF only\n with a folded subject\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=lfb\n\n';
    assert.equal(latin1(bodySection(raw, section('HEADER'))), header);
    assert.equal(latin1(bodySection(raw, section('TEXT'))), raw.toString('latin1').slice(header.length));
    assert.equal(latin1(bodySection(raw, section('1'))), 'line one\nline two\n');
    assert.equal(latin1(bodySection(raw, section('1.MIME'))), 'Content-Type: text/plain\n\n');
    assert.equal(latin1(bodySection(raw, section('2'))), '-old\n+new');
    assert.equal(
      latin1(bodySection(raw, section('HEADER.FIELDS (subject)'))),
      'Subject: LF only\n with a folded subject\n\n',
    );
    assert.equal(
      latin1(bodySection(raw, section('HEADER.FIELDS.NOT (Date From To Subject MIME-Version)'))),
      'Content-Type: multipart/mixed; boundary=lfb\n\n',
    );
  });

  it('ends HEADER.FIELDS with a blank line even when the header has none', () => {
    const raw = Buffer.from('Subject: no newline at all');
    assert.equal(
      latin1(bodySection(raw, section('HEADER.FIELDS (SUBJECT)'))),
      'Subject: no newline at all\r\n\r\n',
    );
    assert.equal(latin1(bodySection(raw, section('HEADER'))), 'Subject: no newline at all');
    assert.equal(latin1(bodySection(raw, section('TEXT'))), '');
  });
});

describe('mime: search text', () => {
  it('decodes RFC 2047 encoded-words (UTF-8 B, ISO-8859-1 Q and B) in header values', () => {
    const raw = fixture('encoded-words');
    assert.deepEqual(headerValues(raw, 'Subject'), ['Grüße aus München und café']);
    assert.deepEqual(headerValues(raw, 'FROM'), ['Jürgen Müller <juergen@example.de>']);
    assert.deepEqual(headerValues(raw, 'to'), [
      'André Martin <andre@example.fr>, Zoë Smith <zoe@example.com>',
    ]);
    assert.deepEqual(headerValues(raw, 'cc'), []);
  });

  it('returns every value of a repeated field, unfolded', () => {
    assert.deepEqual(headerValues(fixture('parameters'), 'subject'), ['first', 'second']);
    assert.deepEqual(headerValues(fixture('simple-text'), 'Received'), [
      'from client.example.org (localhost [127.0.0.1])\tby mail.example.com with ESMTP id 1CF5FC0AAE;\tSat, 28 Nov 2026 08:00:00 +0000',
    ]);
  });

  it('reads raw 8-bit UTF-8 header text as UTF-8', () => {
    assert.deepEqual(headerValues(fixture('8bit-body'), 'subject'), ['Café crème (raw 8-bit)']);
  });

  it('decodes text parts: base64, quoted-printable, charsets, nested messages; skips attachments', () => {
    assert.equal(bodyText(fixture('encoded-words')), 'Grüße aus München!\n');
    assert.equal(bodyText(fixture('8bit-body')), 'Café crème brûlée\r\nnaïve\r\n');
    const mixed = bodyText(fixture('mixed-attachment'));
    assert.equal(mixed, 'Please find the réport attached.');
    const alternative = bodyText(fixture('alternative'));
    assert.ok(alternative.includes('Café au lait,\r\ntwo lines.'), alternative);
    assert.ok(alternative.includes('<p>Café au lait,<br>two lines.</p>'), alternative);
    const nested = bodyText(fixture('nested-rfc822'));
    for (const text of [
      'See the forwarded message below.',
      'inner plain',
      '<b>inner html</b>',
      'just text',
    ]) {
      assert.ok(nested.includes(text), `${text} in ${nested}`);
    }
  });
});

describe('mime: ImapData as the IMAP composer writes it', () => {
  it('writes NIL, numbers, quoted strings with escapes, and literals for 8-bit or multi-line text', () => {
    assert.equal(wireString(null), 'NIL');
    assert.equal(wireString(42), '42');
    assert.equal(wireString('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
    assert.equal(wireString('two\r\nlines'), '{10}\r\ntwo\r\nlines');
    // UTF-8 text goes out as its UTF-8 bytes; the result is a binary (latin1) string
    assert.equal(wireBytes('é').toString('hex'), Buffer.from('{2}\r\né').toString('hex'));
    assert.equal(wireString(Buffer.from('ascii')), '{5}\r\nascii');
  });

  it('writes 1*body and 1*address runs without spaces, other list items with one', () => {
    assert.equal(
      wireString([['a', null], ['b', 1], 'mixed', ['x', 'y'], null]),
      '(("a" NIL)("b" 1) "mixed" ("x" "y") NIL)',
    );
    assert.equal(wireString([]), '()');
  });
});

describe('mime: hostile and broken input', () => {
  it('parses a message once: the tree is cached per Buffer', () => {
    const raw = fixture('nested-rfc822');
    assert.equal(mimeTree(raw), mimeTree(raw));
    assert.notEqual(mimeTree(Buffer.from(raw)), mimeTree(raw));
    assert.deepEqual(bodyStructure(raw, true), bodyStructure(raw, true));
  });

  it('stops nesting at 100 levels instead of recursing without bound', { timeout: 5000 }, () => {
    let message = 'Subject: deep\r\n';
    for (let i = 0; i < 5000; i++)
      message += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
    message += 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
    const raw = Buffer.from(message);
    let depth = 0;
    for (let node = bodyStructure(raw, false); Array.isArray(node[0]); node = node[0] as typeof node) depth++;
    assert.ok(depth >= 99 && depth <= 101, `depth ${depth}`);
    assert.equal(bodySection(raw, section('')), raw);
  });

  it('caps the number of parts', { timeout: 5000 }, () => {
    const raw = Buffer.from(
      'Content-Type: multipart/mixed; boundary=x\r\n\r\n' + '--x\r\n\r\na\r\n'.repeat(50_000) + '--x--\r\n',
    );
    const structure = bodyStructure(raw, false);
    assert.ok(structure.length <= 10_001, `parts ${structure.length - 1}`);
    assert.equal(latin1(bodySection(raw, section('1'))), 'a');
  });

  it('gives a well-formed answer for empty, binary and headerless input', () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from([0, 255, 13, 10, 58, 0, 10, 10, 45, 45, 0xc3]),
      Buffer.from('\r\njust a body, no header\r\n'),
      Buffer.from(
        'From: "unterminated <a@b\r\nTo: (unclosed comment\r\nContent-Type: multipart/mixed; boundary="\r\n\r\nx',
      ),
      Buffer.from('Content-Type: message/rfc822\r\n\r\n'),
    ];
    for (const raw of inputs) {
      const env = envelope(raw);
      assert.equal(env.length, 10);
      const text = wireString(bodyStructure(raw, true));
      assert.match(text, /^\(.*\)$/s);
      assert.equal(typeof bodyText(raw), 'string');
      assert.ok(bodySection(raw, section('1')) !== undefined);
    }
    assert.equal(
      wireString(bodyStructure(Buffer.from('\r\njust a body, no header\r\n'), false)),
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 1)',
    );
  });
});
