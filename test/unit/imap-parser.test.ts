import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader } from '../../src/core/line-reader.js';
import { compose, atom } from '../../src/protocols/imap/compose.js';
import { ImapError } from '../../src/protocols/imap/errors.js';
import { parseFetchItems } from '../../src/protocols/imap/parser/fetch-items.js';
import { CommandFraming } from '../../src/protocols/imap/parser/framing.js';
import { parseSearch } from '../../src/protocols/imap/parser/search.js';
import { compactSet, parseSequenceSet, resolveRanges } from '../../src/protocols/imap/parser/sequence-set.js';
import { parseCommand, type ParsedCommand } from '../../src/protocols/imap/parser/tokenizer.js';

interface Outcome {
  commands: ParsedCommand[];
  continuations: number;
  refused: string[];
}

/** The framing layer on a real LineReader, without sockets: input arrives in the given chunks. */
function feed(chunks: Buffer[], limit = 1_000): Outcome {
  const out: Outcome = { commands: [], continuations: 0, refused: [] };
  const framing: CommandFraming = new CommandFraming({
    readBytes: (n, sink) => reader.readBytes(n, sink),
    literalLimit: (command) => (command === 'APPEND' ? limit * 10 : limit),
    events: {
      command: (raw) => out.commands.push(parseCommand(raw, 32)),
      literalAccepted: () => out.continuations++,
      literalRefused: (info, reason) => out.refused.push(`${info.tag} ${reason}`),
      literalReceived: () => {},
    },
  });
  const reader = new LineReader({
    maxLineBytes: 1_000,
    onLine: (line) => framing.onLine(line),
    onOverflow: () => out.refused.push('overflow'),
  });
  for (const chunk of chunks) reader.push(chunk);
  return out;
}

function splits(input: Buffer): Buffer[][] {
  const all: Buffer[][] = [];
  for (let i = 1; i < input.length; i++) all.push([input.subarray(0, i), input.subarray(i)]);
  all.push([...input].map((b) => Buffer.from([b])));
  return all;
}

describe('IMAP framing and tokenizer', () => {
  const withLiterals = Buffer.from(
    'a1 LOGIN {5}\r\nus\ner {5+}\r\np"a)s\r\na2 APPEND Sent (\\Seen) {12}\r\nSubject: x\r\n\r\n' +
      'a3 FETCH 1:*,3 (UID BODY.PEEK[1.2.HEADER.FIELDS (From "To")]<0.100> BODY[])\r\n',
  );

  it('every split point of commands with literals gives the same commands', () => {
    const whole = feed([withLiterals]);
    assert.equal(whole.commands.length, 3);
    assert.equal(whole.continuations, 2, '{n} asks for a continuation, {n+} does not');
    assert.deepEqual(whole.refused, []);
    const [login, append, fetch] = whole.commands;
    assert.equal(login!.name, 'LOGIN');
    assert.deepEqual(
      login!.args.map((t) => (t.type === 'string' ? t.value.toString() : t)),
      ['us\ner', 'p"a)s'],
    );
    assert.equal(append!.args[2]!.type === 'string' && append!.args[2]!.value.toString(), 'Subject: x\r\n');
    const section = fetch!.args[1]!.type === 'list' ? fetch!.args[1]!.items[1] : undefined;
    assert.ok(section?.type === 'atom');
    assert.equal(section.value, 'BODY.PEEK');
    assert.deepEqual(section.partial, { offset: 0, length: 100 });
    for (const chunks of splits(withLiterals)) {
      assert.deepEqual(feed(chunks), whole, `split into ${chunks.length} chunks at ${chunks[0]!.length}`);
    }
  });

  it('a literal over the limit is refused without reading it', () => {
    const out = feed([Buffer.from('x LOGIN {4294967295}\r\ny NOOP\r\n')]);
    assert.deepEqual(out.refused, ['x literal of 4294967295 bytes is over the limit of 1000']);
    assert.equal(out.continuations, 0);
    assert.deepEqual(
      out.commands.map((c) => c.name),
      ['NOOP'],
    );
  });

  it('quoted strings, escapes, NIL, lists and mailbox names with brackets', () => {
    const cmd = parseCommand(Buffer.from('t1 SELECT "a \\"b\\" \\\\c" [Gmail]/Sent (x (y z)) NIL'), 32);
    assert.equal(cmd.tag, 't1');
    assert.equal(cmd.args[0]!.type === 'string' && cmd.args[0]!.value.toString(), 'a "b" \\c');
    assert.deepEqual(cmd.args[1], { type: 'atom', value: '[Gmail]/Sent' });
    assert.equal(cmd.args[2]!.type, 'list');
    assert.deepEqual(cmd.args[3], { type: 'atom', value: 'NIL' });
  });

  it('bad syntax is BAD with a reason', () => {
    const reasons = [
      't1 LOGIN "unterminated',
      't1 FETCH 1 (FLAGS',
      't1 LOGIN "a\\x"',
      'bad\x01tag NOOP',
      '+ NOOP',
      't1 FETCH 1 BODY[HEADER',
    ];
    for (const line of reasons) {
      assert.throws(
        () => parseCommand(Buffer.from(line), 32),
        (err: unknown) => err instanceof ImapError && err.status === 'BAD' && err.message.length > 5,
        line,
      );
    }
  });

  it('sequence sets', () => {
    assert.deepEqual(resolveRanges(parseSequenceSet('1:*'), 7), [[1, 7]]);
    assert.deepEqual(resolveRanges(parseSequenceSet('*:5'), 7), [[5, 7]]);
    assert.deepEqual(resolveRanges(parseSequenceSet('1,3:5,4:6,9'), 20), [
      [1, 1],
      [3, 6],
      [9, 9],
    ]);
    for (const bad of ['0', '5:*x', '1:', ',1', '1::2', '4294967296', '-1'])
      assert.throws(() => parseSequenceSet(bad), ImapError, bad);
    assert.equal(compactSet([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
  });

  it('fetch items: macros, sections and partials', () => {
    const items = parseFetchItems(parseCommand(Buffer.from('t FETCH 1 ALL'), 32).args[1]);
    assert.deepEqual(
      items.map((i) => (i.kind === 'simple' ? i.name : i.label)),
      ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
    );
    const [header, mime] = parseFetchItems(
      parseCommand(Buffer.from('t FETCH 1 (body[header.fields.not (x-a)] BODY.PEEK[2.MIME]<5.10>)'), 32)
        .args[1],
    );
    assert.ok(header?.kind === 'section' && mime?.kind === 'section');
    assert.deepEqual(header.section, { part: [], kind: 'HEADER.FIELDS.NOT', fields: ['x-a'] });
    assert.equal(header.label, 'BODY[HEADER.FIELDS.NOT (X-A)]');
    assert.equal(header.peek, false);
    assert.deepEqual(mime.section, { part: [2], kind: 'MIME' });
    assert.deepEqual(mime.partial, { offset: 5, length: 10 });
    assert.throws(
      () => parseFetchItems(parseCommand(Buffer.from('t FETCH 1 BODY[MIME]'), 32).args[1]),
      ImapError,
    );
    assert.throws(() => parseFetchItems(parseCommand(Buffer.from('t FETCH 1 FROB'), 32).args[1]), ImapError);
  });

  it('search keys and charsets', () => {
    const key = parseSearch(
      parseCommand(
        Buffer.from('t SEARCH CHARSET UTF-8 OR FROM "a b" NOT (SEEN UID 1:3) SINCE 1-Feb-1994'),
        32,
      ).args,
    );
    assert.deepEqual(key, {
      k: 'and',
      keys: [
        {
          k: 'or',
          a: { k: 'header', field: 'from', value: 'a b' },
          b: {
            k: 'not',
            key: {
              k: 'and',
              keys: [
                { k: 'flag', flag: '\\Seen', set: true },
                { k: 'uid', set: [[1, 3]] },
              ],
            },
          },
        },
        { k: 'date', of: 'internal', op: 'since', day: Date.UTC(1994, 1, 1) },
      ],
    });
    assert.throws(
      () => parseSearch(parseCommand(Buffer.from('t SEARCH CHARSET KOI8-R ALL'), 32).args),
      (err: unknown) =>
        err instanceof ImapError && err.status === 'NO' && err.code === 'BADCHARSET (US-ASCII UTF-8)',
    );
    assert.throws(() => parseSearch(parseCommand(Buffer.from('t SEARCH FROBNICATE'), 32).args), ImapError);
  });

  it('the composer quotes safe strings and sends the rest as literals', () => {
    const out = compose('* 1 FETCH ', [
      [
        atom('FLAGS'),
        [atom('\\Seen')],
        atom('X'),
        'a "q"',
        atom('Y'),
        'grüße',
        atom('Z'),
        null,
        atom('B'),
        Buffer.from('ab\r\n'),
      ],
    ]);
    assert.equal(
      Buffer.concat(out.chunks).toString('utf8'),
      '* 1 FETCH (FLAGS (\\Seen) X "a \\"q\\"" Y {7}\r\ngrüße Z NIL B {4}\r\nab\r\n)\r\n',
    );
    assert.equal(
      out.text,
      '* 1 FETCH (FLAGS (\\Seen) X "a \\"q\\"" Y {7} <7 bytes: "grüße"> Z NIL B {4} <4 bytes: "ab">)',
    );
  });
});
