// `npm start` builds first (prestart). A full type-check and emit takes ~15 s on a small machine, which
// a helper command (`npm start -- decode dGVzdA==`) should not pay when nothing changed: this builds only
// when a source file or the TypeScript setup is newer than the last build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.tsbuildinfo');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

let built = 0;
try {
  built = statSync(stamp).mtimeMs;
} catch {
  // Never built.
}
const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'tsconfig.json')),
  newest(join(root, 'package.json')),
);
if (sources > built) {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
