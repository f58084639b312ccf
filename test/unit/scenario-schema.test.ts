import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
// The protocols hand their command names to the schema, as the sandbox and the CLI do at startup.
import '../../src/protocols/command-names.js';
import { listShippedScenarios, loadScenario, ScenarioError } from '../../src/scenario/index.js';
import { knownCommands } from '../../src/scenario/commands.js';
import { tempDir } from '../helpers/sandbox.js';

/** Writes `text` as x.yaml in a fresh folder and loads it; returns the error message. */
async function errorOf(text: string, setup?: (dir: string) => void): Promise<string> {
  const dir = tempDir('mailsandbox-scenario-');
  setup?.(dir);
  const file = join(dir, 'x.yaml');
  writeFileSync(file, text);
  const err = await loadScenario(file).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
  return err.message;
}

describe('scenario schema errors name file:line:col, the path and the reason', () => {
  it('a reply code out of range', async () => {
    const message = await errorOf(
      [
        'description: d',
        'smtp:',
        '  rules:',
        '    - name: a',
        '      when: { command: RCPT }',
        '      reply: { code: 451, text: x }',
        '    - name: b',
        '      when: { command: MAIL }',
        '      reply:',
        '        code: 700',
        '        text: nope',
      ].join('\n'),
    );
    assert.match(
      message,
      /x\.yaml:10:15: smtp\.rules\[1\]\.reply\.code: 700 is not a reply code \(200-599\)$/,
    );
  });

  it('a wrong type', async () => {
    const message = await errorOf('description: d\nsmtp:\n  size: lots\n');
    assert.match(message, /x\.yaml:3:9: smtp\.size: "lots" is not a number$/);
  });

  it('an unknown key, pointing at the key itself', async () => {
    const message = await errorOf('description: d\nsmtp:\n  greeting: hi\n  grreting: typo\n');
    assert.match(
      message,
      /x\.yaml:4:3: smtp\.grreting: unknown key \(allowed: users, auth, greeting, .*size, rules\)$/,
    );
  });

  it('a bad regular expression', async () => {
    const message = await errorOf(
      'description: d\nsmtp:\n  rules:\n    - name: r\n      when: { command: RCPT, args: "(unclosed" }\n      reply: { code: 450, text: x }\n',
    );
    assert.match(
      message,
      /x\.yaml:5:36: smtp\.rules\[0\]\.when\.args: "\(unclosed" is not a valid regular expression/,
    );
  });

  it('a missing mail file', async () => {
    const message = await errorOf('description: d\nmail:\n  - file: nothere.eml\n');
    assert.match(message, /x\.yaml:3:11: mail\[0\]\.file: "nothere\.eml" does not exist/);
  });

  it('a path outside the scenario folder: .., absolute, or a symlink out', async () => {
    assert.match(
      await errorOf('description: d\nmail:\n  - file: ../secret.eml\n'),
      /x\.yaml:3:11: mail\[0\]\.file: "\.\.\/secret\.eml" leaves the scenario's folder/,
    );
    assert.match(
      await errorOf('description: d\nmail:\n  - file: /etc/passwd\n'),
      /x\.yaml:3:11: mail\[0\]\.file: "\/etc\/passwd" leaves the scenario's folder/,
    );
    const outside = tempDir('mailsandbox-outside-');
    writeFileSync(join(outside, 'm.eml'), 'Subject: x\r\n\r\nx\r\n');
    const message = await errorOf('description: d\nmail:\n  - file: seeds/link.eml\n', (dir) => {
      mkdirSync(join(dir, 'seeds'));
      symlinkSync(join(outside, 'm.eml'), join(dir, 'seeds', 'link.eml'));
    });
    assert.match(
      message,
      /x\.yaml:3:11: mail\[0\]\.file: "seeds\/link\.eml" is a link to .*outside the scenario's folder/,
    );
  });

  it('an unknown mechanism, a missing description and a rule that does two things', async () => {
    const message = await errorOf(
      'auth:\n  mechanisms: [PLAIN, NTLM]\nsmtp:\n  rules:\n    - name: r\n      when: { point: greeting }\n      reply: { code: 421, text: x }\n      disconnect: { how: rst }\n',
    );
    assert.match(message, /x\.yaml:1:1: description: missing \(required\)/);
    assert.match(message, /x\.yaml:2:23: auth\.mechanisms\[1\]: "NTLM" is not a SASL mechanism/);
    assert.match(
      message,
      /x\.yaml:5:7: smtp\.rules\[0\]: a rule does one thing: choose one of disconnect, reply/,
    );
  });

  it('a command the protocol does not have (a rule that could never fire), per protocol', async () => {
    const message = await errorOf(
      [
        'description: d',
        'smtp:',
        '  rules:',
        '    - name: typo',
        '      when: { command: RCTP, nth: 2 }',
        '      reply: { code: 452, text: x }',
        '    - name: fine',
        '      when: { command: rcpt }',
        '      reply: { code: 452, text: x }',
        'imap:',
        '  rules:',
        '    - name: pop3-verb',
        '      when: { command: RETR }',
        '      no: { text: x }',
        '    - name: uid-fetch',
        '      when: { command: UID FETCH }',
        '      no: { text: x }',
        'pop3:',
        '  rules:',
        '    - name: imap-verb',
        '      when: { command: FETCH }',
        '      err: { text: x }',
        'rules:',
        '  - name: nowhere',
        '    when: { command: XYZZY }',
        '    disconnect: {}',
      ].join('\n'),
    );
    assert.deepEqual(
      message.split('\n').map((l) => l.replace(/^.*x\.yaml:/, '')),
      [
        '5:24: smtp.rules[0].when.command: RCTP is not an SMTP command (HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, AUTH, STARTTLS, HELP, VRFY, XCLIENT, XFORWARD, WIZ, SHELL, KILL)',
        // The IMAP list is the registry's, which grows with each extension.
        `13:24: imap.rules[0].when.command: RETR is not an IMAP command (${knownCommands('imap')!.join(', ')})`,
        '21:24: pop3.rules[0].when.command: FETCH is not a POP3 command (USER, PASS, APOP, AUTH, CAPA, STLS, STAT, LIST, RETR, DELE, NOOP, RSET, QUIT, TOP, UIDL)',
        '25:22: rules[0].when.command: XYZZY is not an SMTP, IMAP or POP3 command',
      ],
    );
  });

  it("another protocol's outcome key is one clear line, without a follow-on error", async () => {
    const lines = (
      await errorOf(
        [
          'description: d',
          'imap:',
          '  rules:',
          '    - name: a',
          '      when: { command: FETCH }',
          '      err: { text: nope }',
          'pop3:',
          '  rules:',
          '    - name: b',
          '      when: { command: RETR }',
          '      no: { text: nope }',
          '    - name: c',
          '      when: { command: RETR }',
          '      bye: { text: nope }',
          'smtp:',
          '  rules:',
          '    - name: d',
          '      when: { command: RCPT }',
          '      err: { text: nope }',
          'rules:',
          '  - name: e',
          '    when: { point: connect }',
          '    reply: { code: 421, text: nope }',
        ].join('\n'),
      )
    ).split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/^.*x\.yaml:/, '')),
      [
        '6:7: imap.rules[0].err: err is a POP3 reply; IMAP rules use no: or bad:',
        '11:7: pop3.rules[0].no: no is an IMAP reply; POP3 rules use err:',
        '14:7: pop3.rules[1].bye: bye is an IMAP action; POP3 rules use err:',
        '19:7: smtp.rules[0].err: err is a POP3 reply; SMTP rules use reply:',
        '23:5: rules[0].reply: reply is an SMTP reply; top-level rules play transport faults only (put the rule under smtp.rules)',
      ],
    );
  });

  it('a rule with no outcome lists only the outcomes of its protocol', async () => {
    const message = await errorOf(
      'description: d\nimap:\n  rules:\n    - name: a\n      when: { command: FETCH }\n',
    );
    assert.match(
      message,
      /x\.yaml:4:7: imap\.rules\[0\]: a rule must do something \(delay, disconnect, stall, throttle, slice, cut, no, bad, bye, alert, uidvalidityChange, expunge, syncFault\)$/,
    );
  });

  it('a quoted reply code says so; a missing key says it is missing', async () => {
    const lines = (
      await errorOf(
        '{"description":"d","smtp":{"rules":[{"name":"a","when":{"command":"RCPT"},"reply":{"code":"452"}}]}}',
      )
    ).split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/^.*x\.yaml:/, '')),
      [
        '1:83: smtp.rules[0].reply.text: missing (required)',
        '1:91: smtp.rules[0].reply.code: "452" is a string; write 452 (without quotes)',
      ],
    );
    assert.match(
      await errorOf(
        'description: d\nsmtp:\n  rules:\n    - name: a\n      when: { command: RCPT }\n      reply: { code: 452, text: 5 }\n',
      ),
      /x\.yaml:6:33: smtp\.rules\[0\]\.reply\.text: 5 is not text or a list$/,
    );
  });

  it('problems are listed in the order of the file', async () => {
    const lines = (
      await errorOf(
        [
          'description: d',
          'smtp:',
          '  grreting: x',
          '  rules:',
          '    - name: a',
          '      when: { command: RCPT, nth: 0 }',
          '      reply: { code: 999, text: x }',
          '    - name: b',
          '      when: { command: RCPT }',
          'seed: -1',
        ].join('\n'),
      )
    ).split('\n');
    assert.deepEqual(
      lines.map((l) => /x\.yaml:(\d+:\d+)/.exec(l)?.[1]),
      ['3:3', '6:35', '7:22', '8:7', '10:7'],
    );
  });

  it('per: transaction is for SMTP rules only', async () => {
    const message = await errorOf(
      'description: d\npop3:\n  rules:\n    - name: a\n      when: { command: RETR, nth: 2, per: [transaction, client] }\n      err: { text: x }\n',
    );
    assert.match(
      message,
      /x\.yaml:5:43: pop3\.rules\[0\]\.when\.per: transaction counts SMTP mail transactions; POP3 rules count per session, server, client, sender or recipient$/,
    );
  });

  it('broken YAML syntax', async () => {
    assert.match(await errorOf('description: d\nsmtp: [\n'), /x\.yaml:\d+:\d+: /);
  });

  it('accepts JSON too, and a valid mail file inside the folder', async () => {
    const dir = tempDir('mailsandbox-scenario-');
    writeFileSync(join(dir, 'hello.eml'), 'Subject: hi\r\n\r\nbody\r\n');
    writeFileSync(
      join(dir, 's.json'),
      JSON.stringify({ description: 'j', mail: [{ file: 'hello.eml', user: 'a' }] }),
    );
    const scenario = await loadScenario(join(dir, 's.json'));
    assert.equal(scenario.name, 's');
    assert.deepEqual(scenario.mail, [{ file: 'hello.eml', user: 'a', folder: 'INBOX' }]);
  });
});

describe('validate reports every problem at once, each with the bad value and what is allowed', () => {
  it('command: RCTP beside a bad per:, a bad nth and an unknown key', async () => {
    const lines = (
      await errorOf(
        [
          'description: d',
          'smtp:',
          '  rules:',
          '    - name: a',
          '      when: { command: RCTP, per: [client, colour], nth: 0 }',
          '      reply: { code: 452, text: x }',
          '      bogus: 1',
        ].join('\n'),
      )
    ).split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/^.*x\.yaml:/, '').replace(/ \(HELO.*$/, '')),
      [
        '5:24: smtp.rules[0].when.command: RCTP is not an SMTP command',
        '5:44: smtp.rules[0].when.per[1]: "colour" is not one of "session", "transaction", "server", "client", "sender", "recipient"',
        '5:58: smtp.rules[0].when.nth: 0 is too small: at least 1',
        '7:7: smtp.rules[0].bogus: unknown key (allowed: name, description, when, delay, disconnect, stall, throttle, slice, cut, reply)',
      ],
    );
  });

  it('YAML syntax errors in our words, with file:line:col', async () => {
    assert.match(
      await errorOf('description: d\nsmtp:\n  capabilities: { add: [X-ONE, X-TWO }\n'),
      /x\.yaml:3:\d+: YAML syntax: /,
    );
    const unclosed = await errorOf('description: d\nrules: [1, 2\n');
    assert.match(unclosed, /x\.yaml:3:1: YAML syntax: a \[ is not closed with \]/);
    assert.doesNotMatch(unclosed, /sufficiently indented/);
    assert.match(
      await errorOf('description: d\nsmtp:\n\tgreeting: hi\n'),
      /x\.yaml:3:1: YAML syntax: a tab used for indentation/,
    );
  });
});

describe('scenario files are bounded (src/config/limits.ts SCENARIO_LIMITS)', () => {
  it('a file over 1 MiB is refused before it is parsed', async () => {
    const started = Date.now();
    const message = await errorOf(`description: d\n# ${'x'.repeat(1024 * 1024)}\n`);
    assert.match(message, /x\.yaml: the file is 1048594 bytes; a scenario file may be at most 1048576 bytes/);
    assert.ok(Date.now() - started < 2_000);
  });

  it('more than 1,000 rules in one list is refused at the list', async () => {
    const rule = '  - { name: r, when: { point: connect }, delay: { ms: 1 } }';
    const message = await errorOf(['description: d', 'rules:', ...Array(1_001).fill(rule)].join('\n'));
    assert.match(message, /x\.yaml:3:3: rules: 1001 rules; a list may hold at most 1000$/);
  });

  it('a YAML alias bomb is refused with the place of the first alias', async () => {
    const bomb = ['description: d', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefgh') {
      const prev = String.fromCharCode(name.charCodeAt(0) - 1);
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const message = await errorOf(bomb.join('\n'));
    assert.match(message, /x\.yaml:3:8: aliases \(\*name\) expand to more than 100 copies/);
  });
});

describe('shipped scenarios', () => {
  const shipped = listShippedScenarios();
  it('ships at least 20, each with a one-line description', () => {
    assert.ok(shipped.length >= 20, `only ${shipped.length}`);
    for (const s of shipped) assert.ok(s.description.length > 10, `${s.name} has no description`);
  });
  for (const { name } of shipped) {
    it(`${name} validates`, async () => {
      const scenario = await loadScenario(name);
      assert.equal(scenario.name, name);
    });
  }
  it('names an unknown shipped scenario with the list of known ones', async () => {
    await assert.rejects(
      loadScenario('no-such-thing'),
      /no-such-thing: no such shipped scenario \(.*greylisting/,
    );
  });
});
