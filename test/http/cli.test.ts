import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAIN, startHeadless } from '../helpers/cli.js';
import { run } from '../helpers/run.js';
import { testCertsDir } from '../helpers/sandbox.js';

describe('mailsandbox CLI: the http listener', () => {
  it('headless: a listening line for http, and the start says the token is required', async () => {
    const headless = startHeadless([
      '--ephemeral-ports',
      '--certs-dir',
      testCertsDir(),
      '--listeners',
      'smtp,http',
      '--http-token',
      'tok-en-123',
    ]);
    const { child } = headless;
    try {
      await headless.waitOut(/requires the --http-token/);
      const lines = headless.records();
      const out = headless.out;
      const http = lines.find((l) => l.event === 'listening' && l.name === 'http');
      assert.ok(http, out);
      assert.equal(http.proto, 'http');
      assert.equal(http.tls, 'plain');
      assert.match(String(http.msg), /^http \(http, plain\) listening on 127\.0\.0\.1:\d+$/);
      assert.ok(
        lines.some((l) => /requires the --http-token/.test(String(l.msg))),
        out,
      );
      const api = `http://127.0.0.1:${http.port as number}/api/v1/sessions`;
      assert.equal((await fetch(api)).status, 401);
      assert.equal((await fetch(api, { headers: { Authorization: 'Bearer tok-en-123' } })).status, 200);
      child.kill('SIGTERM');
      assert.equal((await headless.exited).code, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a --host beyond loopback without --http-token: the API does not start, and says why', async () => {
    // Only the http listener is asked for, and it refuses before binding: nothing listens on 0.0.0.0.
    const r = await run(
      'node',
      [
        MAIN,
        '--no-tui',
        '--host',
        '0.0.0.0',
        '--listeners',
        'http',
        '--ephemeral-ports',
        '--certs-dir',
        testCertsDir(),
      ],
      {
        timeoutMs: 15_000,
      },
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^mailsandbox: http: not started: --host 0\.0\.0\.0 reaches beyond this machine, so the API needs --http-token TOKEN/m,
    );
  });
});
