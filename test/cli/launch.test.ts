import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MAIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/sandbox.js';

/** The environment and the arguments of a running process, as the kernel keeps them. */
function procView(pid: number): { env: string[]; argv: string[] } {
  const list = (file: string) => readFileSync(`/proc/${pid}/${file}`, 'latin1').split('\0').filter(Boolean);
  return { env: list('environ'), argv: list('cmdline') };
}

describe('how the mailsandbox command starts Node', () => {
  it('through its first line: glibc two malloc arenas, V8 8 MiB semi-spaces; npm start the same', async () => {
    const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0]!;
    // As the kernel runs a script: the interpreter, then the rest of the line as one argument.
    const shebang = /^#!(\S+) (.+)$/.exec(first);
    assert.ok(shebang, first);
    const [, interpreter, argument] = shebang;
    const child = spawn(
      interpreter!,
      [argument!, MAIN, '--no-tui', '--ephemeral-ports', '--listeners', 'smtp'],
      {
        cwd: tempDir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 15_000;
      while (!/"event":"listening"/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /"event":"listening"/, 'the command started and listens');
      const { env, argv } = procView(child.pid!);
      assert.ok(env.includes('MALLOC_ARENA_MAX=2'), 'glibc is told to use two malloc arenas');
      assert.ok(argv.includes('--max-semi-space-size=8'), argv.join(' '));
      assert.equal(argv.at(-5), MAIN);

      // npm start runs the same Node flags and environment as the installed command.
      const start = (
        JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
          scripts: Record<string, string>;
        }
      ).scripts.start;
      assert.equal(start, `${argument!.replace(/^-S /, '')} dist/src/cli/main.js`);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
