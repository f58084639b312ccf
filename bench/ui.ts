/**
 * The terminal UI under load (issue 6). Runs the sandbox in a child process twice — headless, then
 * with the Ink UI rendering to a pseudo-terminal (util-linux `script`) — while 20 SMTP clients send
 * mail in a loop, and reports: SMTP messages/s with the UI vs headless (paced at ~1,000 transcript
 * events/s, and flat out), the sandbox process's CPU share, its RSS over the run, and the lag between
 * a session opening and its row appearing on the terminal.
 *
 * `node dist/bench/ui.js` runs it alone; BENCH_UI_SECONDS shortens the paced phase (default 30);
 * BENCH_UI_CPU_PROF=DIR writes a CPU profile of each sandbox process there (`node --cpu-prof`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  /** After the paced phase, before the flat-out one. */
  middle: Memory;
  end: Memory;
  rssMax: number;
  /** CPU milliseconds used when the load started, after the paced phase and after the flat-out one. */
  cpuMarks: number[];
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
  const cpuMarks: number[] = [];
  const cpuMs = () => {
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000;
  };
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 250);
  // The driver sends SIGUSR2 when the load starts, between its phases and when the load ends.
  process.on('SIGUSR2', () => {
    cpuMarks.push(cpuMs()); // before the GC below, which is no part of the load
    if (!start) start = measureMemory();
    else if (!middle) middle = measureMemory();
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
      cpuMarks,
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
// The driver: SMTP clients in a loop.

/** One message over a fresh connection; `onOpen` gets the client's port when TCP is up. */
function sendMessage(port: number, n: number, onOpen: (localPort: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const script = [
      'EHLO bench.test',
      `MAIL FROM:<bench${n}@bench.test>`,
      'RCPT TO:<sink@bench.test>',
      'DATA',
      `Subject: bench ${n}\r\n\r\nhello ${n}\r\n.`,
      'QUIT',
    ];
    const expect = ['220', '250', '250', '250', '354', '250', '221'];
    let step = 0;
    let buffer = '';
    const timer = setTimeout(() => socket.destroy(new Error('message timed out')), 20_000);
    socket.setEncoding('latin1');
    socket.on('connect', () => onOpen(socket.localPort!));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (line[3] === '-') continue; // RFC 5321 §4.2.1: a multi-line reply ends at "code SP"
        if (!line.startsWith(expect[step]!)) {
          socket.destroy(new Error(`expected ${expect[step]}, got ${line}`));
          return;
        }
        if (step < script.length) socket.write(script[step]! + '\r\n');
        step++;
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (step === expect.length) resolve();
      else reject(new Error(`connection closed at step ${step}`));
    });
    socket.on('error', () => {});
  });
}

/** Spaces message starts evenly across all clients (null: flat out). */
function pacer(perSecond: number | null): () => Promise<void> {
  if (perSecond === null) return async () => {};
  const interval = 1000 / perSecond;
  let next = Date.now();
  return () => {
    next = Math.max(next + interval, Date.now());
    const wait = next - Date.now();
    return new Promise((r) => setTimeout(r, wait));
  };
}

async function drive(
  port: number,
  seconds: number,
  perSecond: number | null,
  onOpen: (localPort: number) => void,
): Promise<{ messages: number; failures: number }> {
  const until = Date.now() + seconds * 1000;
  const pace = pacer(perSecond);
  let messages = 0;
  let failures = 0;
  let n = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await pace();
        if (Date.now() >= until) break;
        try {
          await sendMessage(port, n++, onOpen);
          messages++;
        } catch {
          failures++;
        }
      }
    }),
  );
  return { messages, failures };
}

// ---------------------------------------------------------------------------------------------
// One run: start the child, wait for its port, drive, stop it, read its stats.

interface RunResult {
  paced: { messages: number; failures: number; seconds: number };
  flat: { messages: number; failures: number; seconds: number };
  final: Final;
  lagsMs: number[];
  opened: number;
}

function waitForReady(statsFile: string, child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      const ready = readLines(statsFile).find((l) => l.kind === 'ready') as { port: number } | undefined;
      if (ready) return resolve(ready.port);
      if (child.exitCode !== null) return reject(new Error(`bench host exited with ${child.exitCode}`));
      if (Date.now() > deadline) return reject(new Error('bench host did not start'));
      setTimeout(poll, 50);
    };
    poll();
  });
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

async function runOnce(mode: Mode, pacedSeconds: number, flatSeconds: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mailsandbox-bench-ui-'));
  const statsFile = join(dir, 'stats.jsonl');
  writeFileSync(statsFile, '');
  const self = fileURLToPath(import.meta.url);
  const profileDir = process.env.BENCH_UI_CPU_PROF;
  const profile = profileDir
    ? `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-name=${mode}.cpuprofile `
    : '';
  const hostCommand = `exec node --expose-gc ${profile}${self} ${HOST_FLAG} ${mode} ${statsFile}`;
  // The UI needs a terminal: `script` gives the child a pseudo-terminal (120×40) and copies what is
  // drawn on it to our pipe, where the lag is measured.
  const child =
    mode === 'ui'
      ? spawn('script', ['-q', '-e', '-c', `stty cols 120 rows 40; ${hostCommand}`, '/dev/null'], {
          stdio: ['pipe', 'pipe', 'inherit'],
        })
      : spawn('sh', ['-c', hostCommand], { stdio: ['ignore', 'ignore', 'inherit'] });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), (pacedSeconds + flatSeconds + 60) * 1000);

  // Lag: a session's row shows its client address; the first frame holding `127.0.0.1:<port>`
  // after the connection opened is when the user can see it.
  const openedAt = new Map<number, number>();
  const lagsMs: number[] = [];
  let tail = '';
  child.stdout?.setEncoding('latin1');
  child.stdout?.on('data', (chunk: string) => {
    const now = Date.now();
    const text = tail + chunk;
    for (const m of text.matchAll(/127\.0\.0\.1:(\d{4,5})/g)) {
      const port = Number(m[1]);
      const t = openedAt.get(port);
      if (t !== undefined) {
        lagsMs.push(now - t);
        openedAt.delete(port);
      }
    }
    tail = text.slice(-32);
  });

  try {
    const port = await waitForReady(statsFile, child);
    const hostPid = (readLines(statsFile).find((l) => l.kind === 'ready') as { pid: number }).pid;
    await new Promise((r) => setTimeout(r, 1000)); // first frame drawn, JIT warm
    process.kill(hostPid, 'SIGUSR2');
    let opened = 0;
    const onOpen = (localPort: number) => {
      opened++;
      if (mode === 'ui') openedAt.set(localPort, Date.now());
    };
    const perSecond = TARGET_EVENTS_PER_SECOND / EVENTS_PER_MESSAGE;
    const paced = await drive(port, pacedSeconds, perSecond, onOpen);
    process.kill(hostPid, 'SIGUSR2');
    const flat = await drive(port, flatSeconds, null, onOpen);
    process.kill(hostPid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 500)); // the last rows reach the screen
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (mode === 'ui') child.stdin?.write('q');
    else process.kill(hostPid, 'SIGTERM');
    await exited;
    const final = readLines(statsFile).find((l) => l.kind === 'final') as unknown as Final | undefined;
    if (!final) throw new Error(`${mode} host wrote no final stats`);
    return {
      paced: { ...paced, seconds: pacedSeconds },
      flat: { ...flat, seconds: flatSeconds },
      final,
      lagsMs,
      opened,
    };
  } finally {
    clearTimeout(killTimer);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rate = (r: { messages: number; seconds: number }) => r.messages / r.seconds;

export async function benchUi(): Promise<string> {
  const pacedSeconds = Number(process.env.BENCH_UI_SECONDS ?? 30);
  const flatSeconds = Math.max(3, Math.round(pacedSeconds / 3));
  const headless = await runOnce('headless', pacedSeconds, flatSeconds);
  const ui = await runOnce('ui', pacedSeconds, flatSeconds);
  const eventsPerSecond = (r: RunResult) => r.final.events / (r.final.wallMs / 1000);
  const cpuShare = (r: RunResult) => `${((100 * r.final.cpuMs) / r.final.wallMs).toFixed(0)}% of one core`;
  // CPU per message of each phase: what the UI costs, whatever else the machine was doing.
  const cpuPerMessage = (r: RunResult, phase: 0 | 1) =>
    (1000 * (r.final.cpuMarks[phase + 1]! - r.final.cpuMarks[phase]!)) / [r.paced, r.flat][phase]!.messages;
  const perMessage = (phase: 0 | 1) => {
    const [h, u] = [cpuPerMessage(headless, phase), cpuPerMessage(ui, phase)];
    return `headless ${h.toFixed(0)} µs  ui ${u.toFixed(0)} µs  ratio ${(h / u).toFixed(2)}`;
  };
  const lines = [
    `UI bench: ${CLIENTS} SMTP clients, one message per connection; paced ${pacedSeconds} s at ~${TARGET_EVENTS_PER_SECOND} events/s, then flat out ${flatSeconds} s`,
    `  paced msgs/s     headless ${rate(headless.paced).toFixed(1)}  ui ${rate(ui.paced).toFixed(1)}  ratio ${(rate(ui.paced) / rate(headless.paced)).toFixed(2)}`,
    `  flat-out msgs/s  headless ${rate(headless.flat).toFixed(1)}  ui ${rate(ui.flat).toFixed(1)}  ratio ${(rate(ui.flat) / rate(headless.flat)).toFixed(2)}  (target ≥ 0.8)`,
    `  transcript events/s over the whole run  headless ${eventsPerSecond(headless).toFixed(0)}  ui ${eventsPerSecond(ui).toFixed(0)}`,
    `  failed messages  headless ${headless.paced.failures + headless.flat.failures}  ui ${ui.paced.failures + ui.flat.failures}`,
    `  sandbox CPU      headless ${cpuShare(headless)}  ui ${cpuShare(ui)}`,
    `  CPU per message  paced: ${perMessage(0)};  flat out: ${perMessage(1)}`,
    `  RSS              ui: start ${mb(ui.final.start.rss)}  after paced ${mb(ui.final.middle.rss)}  end ${mb(ui.final.end.rss)}  max ${mb(ui.final.rssMax)}   headless: end ${mb(headless.final.end.rss)}  max ${mb(headless.final.rssMax)}  (target: ui max ≤ 1.5× headless max)`,
    `  heap after GC    ui: start ${mb(ui.final.start.heapAfterGc)}  after paced ${mb(ui.final.middle.heapAfterGc)}  end ${mb(ui.final.end.heapAfterGc)}   headless: start ${mb(headless.final.start.heapAfterGc)}  end ${mb(headless.final.end.heapAfterGc)}  (the store keeps every message in memory)`,
    `  open→screen lag  median ${percentile(ui.lagsMs, 50)} ms  p95 ${percentile(ui.lagsMs, 95)} ms  (${ui.lagsMs.length} of ${ui.opened} sessions seen on screen; target median < 250 ms)`,
  ];
  return lines.join('\n');
}

if (process.argv[2] === HOST_FLAG) {
  await host(process.argv[3] as Mode, process.argv[4]!);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await benchUi());
}
