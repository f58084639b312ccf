import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asciiCasemap, baseSubject } from '../../src/protocols/imap/base-subject.js';

describe('RFC 5256 §2.1 base subject', () => {
  const cases: [string, string, boolean][] = [
    ['Hello', 'Hello', false],
    ['Re: Hello', 'Hello', true],
    ['RE:  re: Fwd:Hello', 'Hello', true],
    ['Fw: hello (fwd)', 'hello', true],
    ['hello (fwd) (FWD)  ', 'hello', true],
    ['[list] Re: [other] hello', 'hello', true],
    ['Re [2]: hello', 'hello', true],
    ['[list]', '[list]', false],
    ['[fwd: Re: hello]', 'hello', true],
    ['[Fwd: [fwd: hi]]', 'hi', true],
    ['Hello\t  world', 'Hello world', false],
    ['Reply to this', 'Reply to this', false],
    ['', '', false],
  ];
  for (const [subject, base, reply] of cases)
    it(JSON.stringify(subject), () => {
      assert.deepEqual(baseSubject(subject), { text: base, isReplyOrForward: reply });
    });

  it('i;ascii-casemap folds ASCII letters only', () => {
    assert.equal(asciiCasemap('Grüße abc'), 'GRüßE ABC');
  });
});
