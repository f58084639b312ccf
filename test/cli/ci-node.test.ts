import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/sandbox.js';

const SCRIPT = fileURLToPath(new URL('../../../.ci/ensure-node', import.meta.url));

/**
 * A fresh Debian machine, played by stand-ins on PATH: `node` of a given major version (or none),
 * `apt-cache policy` offering a given nodejs candidate, and `apt-get` that "installs" Node 20 by
 * replacing the node stand-in and records that it was called.
 */
function machine(nodeMajor: number | null, candidate: string): { path: string; installed: string } {
  const bin = tempDir('mailsandbox-ci-');
  const installed = join(bin, 'apt-get-called');
  const fakeNode = (major: number) =>
    `#!/bin/sh\nif [ "$1" = "-p" ]; then echo ${major}; else echo v${major}.0.0; fi\n`;
  const write = (name: string, text: string) => {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  };
  if (nodeMajor !== null) write('node', fakeNode(nodeMajor));
  write(
    'apt-cache',
    `#!/bin/sh\necho "nodejs:"\necho "  Installed: (none)"\necho "  Candidate: ${candidate}"\n`,
  );
  write(
    'apt-get',
    `#!/bin/sh\necho "$@" > ${installed}\ncat > ${join(bin, 'node')} <<'X'\n${fakeNode(20)}X\nchmod 755 ${join(bin, 'node')}\n`,
  );
  for (const tool of ['awk', 'sed', 'bash', 'sh', 'chmod', 'cat']) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found) write(tool, `#!/bin/sh\nexec ${found} "$@"\n`);
  }
  return { path: bin, installed };
}

describe('.ci/ensure-node: Node >= 20 before npm ci', () => {
  it("the machine's node 20 is used as it is", async () => {
    const m = machine(20, '18.19.0+dfsg-6~deb12u2');
    const r = await run('/bin/bash', [SCRIPT], { env: { PATH: m.path } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(m.installed), false, 'apt-get not called');
  });

  it("an old node and a new enough Debian package: Debian's nodejs is installed", async () => {
    const m = machine(18, '20.19.2+dfsg-1');
    const r = await run('/bin/bash', [SCRIPT], { env: { PATH: m.path } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(m.installed, 'utf8'), /install .*nodejs/);
  });

  it('no node and only an old Debian package: a clear message, exit 1', async () => {
    const m = machine(null, '18.19.0+dfsg-6~deb12u2');
    const r = await run('/bin/bash', [SCRIPT], { env: { PATH: m.path } });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Node >= 20 is needed; this machine has no node and Debian offers nodejs 18\.19\.0/,
    );
    assert.match(r.stderr, /Install Node 20 or newer/);
    assert.equal(existsSync(m.installed), false);
  });

  it('.ci/run calls it before npm ci, and installs chromium', () => {
    const ci = readFileSync(fileURLToPath(new URL('../../../.ci/run', import.meta.url)), 'utf8');
    assert.ok(ci.indexOf('.ci/ensure-node') > 0 && ci.indexOf('.ci/ensure-node') < ci.indexOf('npm ci'));
    assert.match(ci, /apt-get install .*chromium/);
  });
});
