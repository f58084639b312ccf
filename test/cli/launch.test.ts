import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/sandbox.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The processes under `pid`, depth first, as /proc lists them. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** A /proc file of NUL-separated words: cmdline (the arguments) or environ (the environment). */
function procWords(pid: number, file: 'cmdline' | 'environ'): string[] {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

describe('npm start', () => {
  it('runs the CLI under Node with 8 MiB semi-spaces and glibc with two malloc arenas (what a big Maildir needs)', async () => {
    const certs = tempDir();
    const npm = spawn(
      'npm',
      [
        'start',
        '--silent',
        '--',
        '--no-tui',
        '--ephemeral-ports',
        '--listeners',
        'smtp',
        '--certs-dir',
        certs,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // Up to a build's time: prestart rebuilds when a source is newer than dist/.
      const deadline = Date.now() + 90_000;
      while (!/"event":"listening"/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /"event":"listening".*"proto":"smtp"/, 'the sandbox started and listens');
      const pid = descendants(npm.pid!).find((p) =>
        procWords(p, 'cmdline').some((a) => a.endsWith('dist/src/cli/main.js')),
      );
      assert.ok(pid, 'a Node process runs dist/src/cli/main.js');
      const cli = procWords(pid, 'cmdline');
      assert.ok(procWords(pid, 'environ').includes('MALLOC_ARENA_MAX=2'), 'glibc is told to keep two arenas');
      assert.ok(cli.includes('--max-semi-space-size=8'), cli.join(' '));
      assert.ok(
        cli.indexOf('--max-semi-space-size=8') < cli.findIndex((a) => a.endsWith('main.js')),
        'a Node flag',
      );
    } finally {
      // The whole group: npm, its shell and the CLI.
      process.kill(-npm.pid!, 'SIGTERM');
    }
  });
});
