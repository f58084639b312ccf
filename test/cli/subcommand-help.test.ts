import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAIN } from '../helpers/cli.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/sandbox.js';

describe('mailsandbox report / scenarios / validate --help', () => {
  it('prints the usage on stdout, exit 0 (validate did not look for a scenario named --help)', async () => {
    for (const [sub, usage] of [
      ['report', 'usage: mailsandbox report DIR [--json]\n'],
      ['scenarios', 'usage: mailsandbox scenarios\n'],
      ['validate', 'usage: mailsandbox validate FILE\n'],
    ] as const) {
      const r = await run('node', [MAIN, sub, '--help']);
      assert.equal(r.code, 0, `${sub}: ${r.stderr}`);
      assert.equal(r.stdout, usage);
      assert.equal(r.stderr, '');
    }
  });

  it('report with an unknown flag names it, exit 2', async () => {
    const r = await run('node', [MAIN, 'report', tempDir(), '--jsn']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'mailsandbox: report: unknown flag --jsn; usage: mailsandbox report DIR [--json]\n',
    );
  });
});
