import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listShippedScenarios, loadScenario, ScenarioError } from '../../src/scenario/index.js';
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
    assert.match(message, /x\.yaml:3:9: smtp\.size: expected number$/);
  });

  it('an unknown key, pointing at the key itself', async () => {
    const message = await errorOf('description: d\nsmtp:\n  greeting: hi\n  grreting: typo\n');
    assert.match(message, /x\.yaml:4:3: smtp\.grreting: unknown key$/);
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
    assert.match(message, /x\.yaml:1:1: description: expected string/);
    assert.match(message, /x\.yaml:2:23: auth\.mechanisms\[1\]: "NTLM" is not a SASL mechanism/);
    assert.match(
      message,
      /x\.yaml:5:7: smtp\.rules\[0\]: a rule does one thing: choose one of disconnect, reply/,
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
