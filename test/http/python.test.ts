import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** The README's Python example, as printed there: the test runs exactly what users copy. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const match = /<!-- http-python-example -->\n```python\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(match, 'README.md has the http-python-example block');
  return match[1]!;
}

describe("README's Python example (smtplib + urllib)", () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startTestSandbox({ listeners: ['smtp', 'http'] });
  });
  after(() => sandbox.close());

  it('passes against the sandbox: a message listed and read back, greylisting over HTTP gives 451', async () => {
    const result = await run('python3', ['-c', readmeExample(), '-v'], {
      env: {
        ...process.env,
        MAILSANDBOX_SMTP_PORT: String(sandbox.ports.smtp),
        MAILSANDBOX_HTTP_PORT: String(sandbox.ports.http),
      },
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Ran 2 tests[\s\S]*\nOK\n/);
    assert.equal(sandbox.scenario?.name, 'accept-all');
  });
});
