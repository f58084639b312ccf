import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/sandbox.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The first ```js block after the "### Library API" heading of README.md, as written. */
function libraryExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Library API'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'README.md has a ```js block under ### Library API');
  return block[1]!;
}

/**
 * A scratch project that installs the package the way a user would get it: `npm pack` (the files
 * package.json ships, the built dist/), unpacked into node_modules/mailsandbox; its dependencies (and
 * nodemailer) are links to this repository's node_modules, so no network is needed.
 */
async function scratchProject(): Promise<string> {
  const dir = tempDir('mailsandbox-readme-');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
    timeoutMs: 60_000,
    cwd: ROOT,
  });
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = join(dir, packed.stdout.trim().split('\n').at(-1)!);
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '.bin' || name === 'mailsandbox' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  const untar = await run('tar', ['-xzf', tarball, '-C', modules]);
  assert.equal(untar.code, 0, untar.stderr);
  renameSync(join(modules, 'package'), join(modules, 'mailsandbox'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "scratch", "private": true, "type": "module" }\n');
  return dir;
}

describe('README: the Library API example', () => {
  it('runs as written, as plain JavaScript, from a project that installed the package', async () => {
    const dir = await scratchProject();
    writeFileSync(join(dir, 'example.mjs'), libraryExample());
    const cache = join(dir, 'cache');
    const result = await run('node', ['example.mjs'], {
      cwd: dir,
      timeoutMs: 60_000,
      env: { ...process.env, XDG_CACHE_HOME: cache },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\[ 'b@example\.test' \]/);
    assert.match(result.stdout, /Subject: hi/);
    assert.match(result.stdout, /C: MAIL FROM:<a@example\.test>/);
    // The library keeps its certificate in a cache folder, not in the caller's project.
    assert.equal(existsSync(join(dir, 'certs')), false, 'no ./certs written into the project');
    assert.ok(existsSync(join(cache, 'mailsandbox', 'certs', 'cert.pem')));
  });
});
