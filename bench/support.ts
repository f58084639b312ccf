/** What every benchmark needs to run a reference server beside mailsandbox on loopback. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, createServer } from 'node:net';
import { parentPort, Worker } from 'node:worker_threads';

/** A port of 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` of 127.0.0.1 can be bound right now (for benches that need fixed port offsets). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once `child` accepts connections on `port`; rejects if it exits or the time runs out. */
export async function waitForPort(
  port: number,
  child: ChildProcess,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  // An even count has two middle values: their mean (the higher one alone biased every figure up).
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs one benchmark round of the client in `file` (the benchmark module itself) in a worker thread,
 * so the client's parsing does not count against the server under test in this process.
 */
export function roundInWorker<T>(file: string, data: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: data });
    worker.once('message', (m: { ok: true; result: T } | { ok: false; error: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    worker.once('error', reject);
  });
}

/** The worker side of `roundInWorker`: posts the round's result (or its error) back. */
export function reportRound<T>(round: Promise<T>): void {
  round.then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (err: Error) => parentPort!.postMessage({ ok: false, error: err.message }),
  );
}

/** A table with the first column left-aligned and the others right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), ...rows.map(fmt)];
}

/** One row per step: our median, theirs, and the ratio. */
export function stepRows<S extends string>(
  steps: readonly S[],
  ours: { ms: Record<S, number> }[],
  theirs: { ms: Record<S, number> }[],
): string[][] {
  return steps.map((step) => {
    const a = median(ours.map((r) => r.ms[step]));
    const b = median(theirs.map((r) => r.ms[step]));
    return [step, `${a.toFixed(1)} ms`, `${b.toFixed(1)} ms`, `${(a / b).toFixed(2)}×`];
  });
}

/** The CLI's entry point in the build. */
export const CLI_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/**
 * How `npm start` starts the CLI (package.json's start script: `[NAME=value…] node [--flag…]
 * dist/src/cli/main.js`): the variables and Node flags, so a bench that spawns the CLI (or stands for
 * it) with process.execPath runs it as `npm start` does.
 */
export function cliLaunch(): { nodeArgs: string[]; env: Record<string, string> } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = pkg.scripts.start!.split(/\s+/);
  const node = words.indexOf('node');
  const main = words.indexOf('dist/src/cli/main.js');
  if (node < 0 || main < node) throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  const env: Record<string, string> = {};
  for (const word of words.slice(0, node)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`unexpected start script: ${pkg.scripts.start}`);
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return { nodeArgs: words.slice(node + 1, main), env };
}

/** `mailsandbox ARGS` as `npm start` runs it (cliLaunch), in a process of its own. */
export function spawnCli(args: string[], options: SpawnOptions): ChildProcess {
  const { nodeArgs, env } = cliLaunch();
  return spawn(process.execPath, [...nodeArgs, CLI_MAIN, ...args], {
    ...options,
    env: { ...process.env, ...options.env, ...env },
  });
}
