import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built command line (dist/src/cli/main.js). */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Headless {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  readonly out: string;
  /** Its exit code and signal, once it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout matches `pattern`, at most `timeoutMs`; the test then asserts what came. */
  waitOut(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** stdout as its JSON lines (headless log records). */
  records(): Record<string, unknown>[];
}

/** `mailsandbox --no-tui ARGS` as a child process, its stdout collected. Kill it in the test's `finally`. */
export function startHeadless(args: string[], env?: NodeJS.ProcessEnv): Headless {
  const child = spawn('node', [MAIN, '--no-tui', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    get out() {
      return out;
    },
    exited,
    async waitOut(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
    records: () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
