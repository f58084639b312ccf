/**
 * The terminal UI under load (issue 6, issue 19 goal 2). Runs two sandboxes in child processes side by
 * side — one headless, one with the Ink UI rendering to a pseudo-terminal (util-linux `script`) — and
 * drives 20 SMTP clients (one message per connection) at one of them at a time:
 *   1. a paced phase at ~1,000 transcript events/s on each (the UI must keep up: ratio 1.00);
 *   2. flat-out rounds, alternating which sandbox goes first (headless/ui, ui/headless, …), so both see
 *      the same machine; each round gives messages/s and the sandbox's CPU µs per message (/proc).
 * Reported: medians of the rounds and of the round-by-round ratios (with their range), peak RSS of
 * both, and the lag between a session opening and its row appearing on the terminal, per phase.
 * CPU per message is the figure to trust on a busy machine: messages/s swing with the neighbours.
 *
 * `node dist/bench/ui.js` runs it alone. BENCH_UI_SECONDS: paced phase (default 30 s);
 * BENCH_UI_ROUNDS: flat-out rounds per sandbox (default 5); BENCH_UI_FLAT_SECONDS: one round (default
 * 5 s); BENCH_UI_CPU_PROF=DIR writes a CPU profile of each sandbox process there (`node --cpu-prof`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './smtp.js';
import { cliLaunch, median } from './support.js';
import { clientLoop } from './ui-clients.js';

const HOST_FLAG = '--mailsandbox-ui-bench-host';
const CLIENTS = 20;
const TARGET_EVENTS_PER_SECOND = 1_000;
/** Transcript events of one message session of the driver below (open, greeting, 8 EHLO lines,
 *  MAIL/RCPT/DATA and replies, body summary, dot, stored, QUIT/221, close), measured once. */
const EVENTS_PER_MESSAGE = 26;

type Mode = 'headless' | 'ui';

interface Memory {
  rss: number;
  /** Heap in use right after a full GC: what is really retained, unlike RSS, which V8 grows lazily. */
  heapAfterGc: number;
}

interface Final {
  kind: 'final';
  events: number;
  cpuMs: number;
  wallMs: number;
  start: Memory;
  /** After the paced phase, before the flat-out rounds. */
  middle: Memory;
  end: Memory;
  rssMax: number;
}

/** Needs `--expose-gc` (the host is started with it). */
function measureMemory(): Memory {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapAfterGc: m.heapUsed };
}

// ---------------------------------------------------------------------------------------------
// The child: a sandbox with or without the UI, reporting its own CPU, memory and event count.

async function host(mode: Mode, statsFile: string): Promise<void> {
  const { startSandbox } = await import('../src/sandbox.js');
  const certsDir = mkdtempSync(join(tmpdir(), 'mailsandbox-bench-ui-certs-'));
  const sandbox = await startSandbox({ portOffset: 'ephemeral', listeners: ['smtp'], certsDir });
  let events = 0;
  sandbox.transcript.subscribe(() => events++);
  const write = (o: object) => appendFileSync(statsFile, JSON.stringify(o) + '\n');
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let start: Memory | null = null;
  let middle: Memory | null = null;
  let rssMax = 0;
  const cpuMs = () => {
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000;
  };
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 250);
  // The driver sends SIGUSR2 before the load starts and after the paced phase.
  process.on('SIGUSR2', () => {
    if (!start) start = measureMemory();
    else if (!middle) middle = measureMemory();
    write({ kind: 'mark' });
  });
  write({ kind: 'ready', port: sandbox.ports.smtp, pid: process.pid });

  const finish = async () => {
    clearInterval(sampler);
    const final: Final = {
      kind: 'final',
      events,
      cpuMs: cpuMs(),
      wallMs: Date.now() - t0,
      start: start ?? measureMemory(),
      middle: middle ?? measureMemory(),
      end: measureMemory(),
      rssMax,
    };
    write(final);
    await sandbox.close();
    rmSync(certsDir, { recursive: true, force: true });
  };

  if (mode === 'ui') {
    const { runTui } = await import('../src/ui/render.js');
    await runTui(sandbox, { saveDir: join(certsDir, 'transcripts'), messages: [] });
    await finish();
    process.exit(0);
  }
  process.once('SIGTERM', () => void finish().then(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------
// The driver: SMTP clients in a loop (bench/ui-clients.ts), one phase on one sandbox at a time.

/** What one phase on one sandbox gave: `seconds` runs until the last message in flight is done. */
interface Phase {
  messages: number;
  failures: number;
  seconds: number;
  /** The sandbox process's CPU time per message (utime + stime from /proc, 10 ms ticks). */
  cpuUsPerMessage: number;
}

async function drive(host: Host, seconds: number, perSecond: number | null): Promise<Phase> {
  const started = Date.now();
  const cpuBefore = cpuSeconds(host.pid);
  const { messages, failures } = await clientLoop(host.port, CLIENTS, seconds, perSecond, host.onOpen);
  const cpu = cpuSeconds(host.pid) - cpuBefore;
  return {
    messages,
    failures,
    seconds: (Date.now() - started) / 1000,
    cpuUsPerMessage: (1e6 * cpu) / messages,
  };
}

// ---------------------------------------------------------------------------------------------
// A sandbox process: started once, driven phase by phase, its screen watched for new sessions.

interface Host {
  mode: Mode;
  port: number;
  pid: number;
  /** Called by the driver when a client's TCP connection is up. */
  onOpen(localPort: number): void;
  /** Open→screen lags (ms) seen since the last call, and how many sessions opened meanwhile. */
  takeLags(): { lags: number[]; opened: number };
  /** Memory marks: before the load and after the paced phase. */
  mark(): Promise<void>;
  stop(): Promise<Final>;
}

function readLines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/** Polls the stats file (bounded) until `test` holds for its lines. */
async function waitForLine(
  statsFile: string,
  child: ChildProcess,
  test: (lines: Record<string, unknown>[]) => Record<string, unknown> | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = test(readLines(statsFile));
    if (found) return found;
    if (child.exitCode !== null) throw new Error(`bench host exited with ${child.exitCode} (${what})`);
    if (Date.now() > deadline) throw new Error(`bench host: no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startHost(mode: Mode, limitSeconds: number): Promise<Host> {
  const dir = mkdtempSync(join(tmpdir(), 'mailsandbox-bench-ui-'));
  const statsFile = join(dir, 'stats.jsonl');
  writeFileSync(statsFile, '');
  const self = fileURLToPath(import.meta.url);
  const profileDir = process.env.BENCH_UI_CPU_PROF;
  const profile = profileDir
    ? `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-name=${mode}.cpuprofile `
    : '';
  // The host stands for `npm start`: Node started with its flags.
  const { nodeArgs, env } = cliLaunch();
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const hostCommand = `exec env ${vars.join(' ')} node ${nodeArgs.join(' ')} --expose-gc ${profile}${self} ${HOST_FLAG} ${mode} ${statsFile}`;
  // The UI needs a terminal: `script` gives the child a pseudo-terminal (120×40) and copies what is
  // drawn on it to our pipe, where the lag is measured.
  const child =
    mode === 'ui'
      ? spawn('script', ['-q', '-e', '-c', `stty cols 120 rows 40; ${hostCommand}`, '/dev/null'], {
          stdio: ['pipe', 'pipe', 'inherit'],
        })
      : spawn('sh', ['-c', hostCommand], { stdio: ['ignore', 'ignore', 'inherit'] });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), limitSeconds * 1000);

  // Lag: a session's row shows its client address; the first frame holding `127.0.0.1:<port>`
  // after the connection opened is when the user can see it.
  const openedAt = new Map<number, number>();
  let lags: number[] = [];
  let opened = 0;
  let tail = '';
  child.stdout?.setEncoding('latin1');
  child.stdout?.on('data', (chunk: string) => {
    const now = Date.now();
    const text = tail + chunk;
    for (const m of text.matchAll(/127\.0\.0\.1:(\d{4,5})/g)) {
      const port = Number(m[1]);
      const t = openedAt.get(port);
      if (t !== undefined) {
        lags.push(now - t);
        openedAt.delete(port);
      }
    }
    tail = text.slice(-32);
  });

  const cleanUp = () => {
    clearTimeout(killTimer);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ready = await waitForLine(statsFile, child, (ls) => ls.find((l) => l.kind === 'ready'), 'start');
    const pid = ready.pid as number;
    await new Promise((r) => setTimeout(r, 1000)); // first frame drawn
    let marks = 0;
    return {
      mode,
      port: ready.port as number,
      pid,
      onOpen(localPort) {
        opened++;
        if (mode === 'ui') openedAt.set(localPort, Date.now());
      },
      takeLags() {
        const taken = { lags, opened };
        lags = [];
        opened = 0;
        openedAt.clear();
        return taken;
      },
      async mark() {
        const want = ++marks;
        process.kill(pid, 'SIGUSR2');
        await waitForLine(statsFile, child, (ls) => ls.filter((l) => l.kind === 'mark')[want - 1], 'mark');
      },
      async stop() {
        try {
          if (child.exitCode === null) {
            await new Promise((r) => setTimeout(r, 500)); // the last rows reach the screen
            const exited = new Promise<void>((r) => child.once('exit', () => r()));
            if (mode === 'ui') child.stdin?.write('q');
            else process.kill(pid, 'SIGTERM');
            await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
          }
          const final = readLines(statsFile).find((l) => l.kind === 'final') as unknown as Final | undefined;
          if (!final) throw new Error(`${mode} host wrote no final stats`);
          return final;
        } finally {
          cleanUp();
        }
      },
    };
  } catch (err) {
    cleanUp();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The run: paced on each, then flat-out rounds alternating which sandbox goes first.

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rate = (r: Phase) => r.messages / r.seconds;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

function lagText(l: { lags: number[]; opened: number }): string {
  return `median ${median(l.lags)} ms  p95 ${percentile(l.lags, 95)} ms  (${l.lags.length} of ${l.opened} sessions seen on screen)`;
}

export async function benchUi(): Promise<string> {
  const pacedSeconds = Number(process.env.BENCH_UI_SECONDS ?? 30);
  const rounds = Math.max(1, Number(process.env.BENCH_UI_ROUNDS ?? 5));
  const flatSeconds = Number(process.env.BENCH_UI_FLAT_SECONDS ?? 5);
  const limit = 2 * (pacedSeconds + rounds * flatSeconds) + 120;
  const loadBefore = loadavg()[0]!;
  const headless = await startHost('headless', limit);
  const ui = await startHost('ui', limit).catch(async (err: unknown) => {
    await headless.stop().catch(() => {});
    throw err;
  });
  const hosts = { headless, ui };
  try {
    const perSecond = TARGET_EVENTS_PER_SECOND / EVENTS_PER_MESSAGE;
    const paced: Record<Mode, Phase> = {} as Record<Mode, Phase>;
    for (const host of [headless, ui]) {
      await host.mark();
      paced[host.mode] = await drive(host, pacedSeconds, perSecond);
      await host.mark();
    }
    const pacedLag = ui.takeLags();
    // One second flat out on each before the rounds: the flat-out paths warmed up for both.
    for (const host of [headless, ui]) await drive(host, 1, null);
    ui.takeLags();
    const flat: Record<Mode, Phase[]> = { headless: [], ui: [] };
    for (let r = 0; r < rounds; r++) {
      const order: Mode[] = r % 2 === 0 ? ['headless', 'ui'] : ['ui', 'headless'];
      for (const mode of order) flat[mode].push(await drive(hosts[mode], flatSeconds, null));
    }
    const flatLag = ui.takeLags();
    const finals = { headless: await headless.stop(), ui: await ui.stop() };
    const loadAfter = loadavg()[0]!;

    const pairs = (f: (h: Phase, u: Phase) => number) => flat.headless.map((h, i) => f(h, flat.ui[i]!));
    const speed = pairs((h, u) => rate(u) / rate(h));
    const cost = pairs((h, u) => h.cpuUsPerMessage / u.cpuUsPerMessage);
    const med = (mode: Mode, f: (p: Phase) => number) => median(flat[mode].map(f));
    const failures = (mode: Mode) => paced[mode].failures + flat[mode].reduce((n, p) => n + p.failures, 0);
    const [h, u] = [finals.headless, finals.ui];
    return [
      `UI bench: ${CLIENTS} SMTP clients, one message per connection; paced ${pacedSeconds} s at ~${TARGET_EVENTS_PER_SECOND} events/s on each sandbox, then ${rounds} flat-out rounds of ${flatSeconds} s each, alternating which goes first (1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after)`,
      `  paced msgs/s         headless ${rate(paced.headless).toFixed(1)}  ui ${rate(paced.ui).toFixed(1)}  ratio ${(rate(paced.ui) / rate(paced.headless)).toFixed(2)}`,
      `  paced CPU/message    headless ${paced.headless.cpuUsPerMessage.toFixed(0)} µs  ui ${paced.ui.cpuUsPerMessage.toFixed(0)} µs`,
      `  flat-out msgs/s      headless ${flat.headless.map((p) => rate(p).toFixed(0)).join(' ')}  ui ${flat.ui.map((p) => rate(p).toFixed(0)).join(' ')}`,
      `                       medians headless ${med('headless', rate).toFixed(0)}  ui ${med('ui', rate).toFixed(0)};  ui ÷ headless, round by round: median ${median(speed).toFixed(2)} (${range(speed)})  (target ≥ 0.8)`,
      `  flat-out CPU/message headless ${flat.headless.map((p) => p.cpuUsPerMessage.toFixed(0)).join(' ')} µs  ui ${flat.ui.map((p) => p.cpuUsPerMessage.toFixed(0)).join(' ')} µs`,
      `                       medians headless ${med('headless', (p) => p.cpuUsPerMessage).toFixed(0)} µs  ui ${med('ui', (p) => p.cpuUsPerMessage).toFixed(0)} µs;  headless ÷ ui, round by round: median ${median(cost).toFixed(2)} (${range(cost)})`,
      `  failed messages      headless ${failures('headless')}  ui ${failures('ui')}`,
      `  RSS                  ui: start ${mb(u.start.rss)}  after paced ${mb(u.middle.rss)}  end ${mb(u.end.rss)}  max ${mb(u.rssMax)}   headless: end ${mb(h.end.rss)}  max ${mb(h.rssMax)}  ratio of maxima ${(u.rssMax / h.rssMax).toFixed(2)}  (target ≤ 1.5)`,
      `  heap after GC        ui: start ${mb(u.start.heapAfterGc)}  after paced ${mb(u.middle.heapAfterGc)}  end ${mb(u.end.heapAfterGc)}   headless: start ${mb(h.start.heapAfterGc)}  end ${mb(h.end.heapAfterGc)}  (the store keeps every message in memory)`,
      `  open→screen lag      paced: ${lagText(pacedLag)};  flat out: ${lagText(flatLag)}  (target median < 250 ms)`,
    ].join('\n');
  } catch (err) {
    await Promise.allSettled([headless.stop(), ui.stop()]);
    throw err;
  }
}

if (process.argv[2] === HOST_FLAG) {
  await host(process.argv[3] as Mode, process.argv[4]!);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await benchUi());
}
