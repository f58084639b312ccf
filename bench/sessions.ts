/**
 * Two rows that are not about throughput (issue 19, goal 4: keep them ahead):
 * - cold start: from spawning the CLI (headless, certificates already made) to all seven mail
 *   listeners accepting connections; median of BENCH_START_ROUNDS (default 5) starts.
 * - idle sessions: BENCH_IDLE_SESSIONS (default 10,000) plain clients per protocol that connect, read
 *   the greeting and say nothing more; the server's RSS growth divided by the sessions held.
 * mailsandbox runs as its CLI in its own process; the clients live in this one.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, median, portIsFree, spawnCli, stopChild, waitForPort } from './support.js';

/** The seven mail listeners' standard ports (src/config/defaults.ts); the CLI adds --port-offset. */
const MAIL_PORTS = { smtp: 25, submission: 587, smtps: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995 };
const PLAIN = { smtp: 25, imap: 143, pop3: 110 } as const;

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]);
}

/** An offset whose seven mail ports could all be bound a moment ago, below the ephemeral range. */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 10_000 + Math.floor(Math.random() * 20_000);
    const ok = await Promise.all(Object.values(MAIL_PORTS).map((p) => portIsFree(p + offset)));
    if (ok.every(Boolean)) return offset;
  }
  throw new Error('no free port offset found');
}

function startCli(cwd: string, offset: number): ChildProcess {
  return spawnCli(
    ['--no-tui', '--listeners', Object.keys(MAIL_PORTS).join(','), '--port-offset', String(offset)],
    {
      cwd,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function coldStartMs(cwd: string): Promise<number> {
  const offset = await freeOffset();
  const started = process.hrtime.bigint();
  const child = startCli(cwd, offset);
  try {
    await Promise.all(Object.values(MAIL_PORTS).map((p) => waitForPortFast(p + offset, child)));
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await stopChild(child);
  }
}

/** Like waitForPort, polling every 5 ms so the start-up time is read to a few milliseconds. */
async function waitForPortFast(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mailsandbox exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`port ${port} did not open within 20 s`);
}

/** Opens `count` clients to `port`, 500 at a time, each resolved when its greeting has arrived. */
async function holdIdle(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from(
      { length: Math.min(500, count - i) },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port });
          const timer = setTimeout(() => reject(new Error('no greeting within 30 s')), 30_000);
          s.once('data', () => (clearTimeout(timer), resolve(s)));
          s.once('error', (e) => (clearTimeout(timer), reject(e)));
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

export async function benchSessions(): Promise<string> {
  const rounds = Number(process.env.BENCH_START_ROUNDS ?? 5);
  const sessions = Number(process.env.BENCH_IDLE_SESSIONS ?? 10_000);
  const cwd = mkdtempSync(join(tmpdir(), 'mailsandbox-bench-sessions-'));
  const lines = ['Cold start and idle sessions (mailsandbox CLI, headless)', ''];
  try {
    await coldStartMs(cwd); // makes ./certs once; the starts measured below find it there
    const starts: number[] = [];
    for (let i = 0; i < rounds; i++) starts.push(await coldStartMs(cwd));
    lines.push(
      `  cold start to seven listeners: median ${(median(starts) / 1000).toFixed(2)} s ` +
        `(${starts.map((s) => (s / 1000).toFixed(2)).join(', ')})`,
    );
    for (const [proto, standard] of Object.entries(PLAIN)) {
      const port = await freePort();
      const child = spawnCli(['--no-tui', '--listeners', proto, '--port-offset', String(port - standard)], {
        cwd,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      let held: Socket[] = [];
      try {
        await waitForPort(port, child, 'mailsandbox');
        await new Promise((r) => setTimeout(r, 500));
        const before = rssKiB(child.pid!);
        held = await holdIdle(port, sessions);
        await new Promise((r) => setTimeout(r, 1000));
        const after = rssKiB(child.pid!);
        lines.push(
          `  ${sessions} idle ${proto.toUpperCase().padEnd(4)} sessions: RSS ${(before / 1024).toFixed(0)} → ` +
            `${(after / 1024).toFixed(0)} MiB, ${((after - before) / sessions).toFixed(1)} KiB per session`,
        );
      } finally {
        for (const s of held) s.destroy();
        await stopChild(child);
      }
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchSessions().then((text) => console.log(text));
}
