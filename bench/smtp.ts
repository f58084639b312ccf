/**
 * SMTP throughput side by side with postfix's smtp-sink (issue 2), driven by postfix's smtp-source:
 *   -s 20 -m 20000 -l 1024 -d   twenty sessions, many messages per connection
 *   -s 20 -m 5000  -l 1024      one connection per message
 * Runs alternate between the servers; the medians are reported. mailsandbox runs as its CLI in its
 * own process, headless, with transcripts captured and its JSON log written to a temporary file (the
 * normal mode: `mailsandbox --no-tui > log.json`). A third row is smtp-server alone
 * (bench/smtp-ceiling.ts): the most mailsandbox could reach on that library. Each server's CPU time
 * is read from /proc to give the cost per message.
 *
 * Needs the Debian package `postfix` (smtp-sink, smtp-source). `node dist/bench/smtp.js` runs it alone;
 * BENCH_SMTP_ROUNDS changes the number of rounds (default 3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, median, spawnCli, stopChild, waitForPort } from './support.js';

const SMTP_SINK = '/usr/sbin/smtp-sink';
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const CEILING = fileURLToPath(new URL('./smtp-ceiling.js', import.meta.url));

export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return ticks / 100;
}

/** Runs smtp-source against `port`; resolves with the seconds it took. */
export async function source(port: number, args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(SMTP_SOURCE, [...args, `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`smtp-source exited ${code}: ${err.slice(0, 500)}`));
    });
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  /** Removes what the server left behind (mailsandbox's log file). */
  cleanup?: () => void;
}

async function startSink(): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    SMTP_SINK,
    [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-c', `127.0.0.1:${port}`, '1000'],
    { stdio: 'ignore' },
  );
  await waitForPort(port, child, 'smtp-sink');
  return { name: 'smtp-sink', port, child };
}

async function startCeiling(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [CEILING, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, child, 'smtp-server alone');
  return { name: 'smtp-server alone', port, child };
}

async function startSandboxProcess(): Promise<Server> {
  const port = await freePort();
  // The JSON log goes to a real file, as a user's `mailsandbox --no-tui > log.json` would: writing it
  // is part of the cost (to /dev/null the kernel would throw the bytes away for free).
  const dir = mkdtempSync(join(tmpdir(), 'mailsandbox-bench-'));
  const log = openSync(join(dir, 'log.json'), 'w');
  const child = spawnCli(['--no-tui', '--listeners', 'smtp', '--port-offset', String(port - 25)], {
    stdio: ['ignore', log, 'inherit'],
  });
  closeSync(log);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await waitForPort(port, child, 'mailsandbox');
  } catch (err) {
    cleanup();
    throw err;
  }
  return { name: 'mailsandbox', port, child, cleanup };
}

export async function benchSmtp(): Promise<string> {
  if (!existsSync(SMTP_SOURCE) || !existsSync(SMTP_SINK)) {
    return 'SMTP: skipped — smtp-source/smtp-sink not found (apt-get install postfix)';
  }
  const rounds = Number(process.env.BENCH_SMTP_ROUNDS ?? 3);
  const modes = [
    {
      label: 'many messages per connection (-s 20 -m 20000 -l 1024 -d)',
      args: ['-s', '20', '-m', '20000', '-l', '1024', '-d'],
      messages: 20000,
    },
    {
      label: 'one connection per message (-s 20 -m 5000 -l 1024)',
      args: ['-s', '20', '-m', '5000', '-l', '1024'],
      messages: 5000,
    },
  ];
  const lines = ['SMTP throughput (messages/s, median of ' + rounds + ' alternating rounds)', ''];
  for (const mode of modes) {
    const servers = [startSink, startSandboxProcess, startCeiling];
    const rates = new Map<string, number[]>();
    const cpuPerMessage = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const start of servers) {
        const server = await start();
        try {
          const cpuBefore = cpuSeconds(server.child.pid!);
          const seconds = await source(server.port, mode.args);
          const cpu = (cpuSeconds(server.child.pid!) - cpuBefore) / mode.messages;
          rates.set(server.name, [...(rates.get(server.name) ?? []), mode.messages / seconds]);
          cpuPerMessage.set(server.name, [...(cpuPerMessage.get(server.name) ?? []), cpu]);
        } finally {
          await stopChild(server.child);
          server.cleanup?.();
        }
      }
    }
    const sink = median(rates.get('smtp-sink')!);
    lines.push(`  ${mode.label}`);
    for (const [name, values] of rates) {
      const rate = median(values);
      const ratio = name === 'smtp-sink' ? '      ' : `${(rate / sink).toFixed(2)}×`;
      const cpu = (median(cpuPerMessage.get(name)!) * 1e6).toFixed(0);
      lines.push(
        `    ${name.padEnd(18)} ${rate.toFixed(0).padStart(7)} msg/s   ratio ${ratio}   CPU ${cpu.padStart(5)} µs/message`,
      );
    }
    // Issue 19's goal: mailsandbox at 0.9 of the library it is built on, or better.
    const ours = median(rates.get('mailsandbox')!);
    const ceiling = median(rates.get('smtp-server alone')!);
    lines.push(`    mailsandbox ÷ smtp-server alone: ${(ours / ceiling).toFixed(2)}× (goal ≥ 0.9×)`);
  }
  lines.push(
    '',
    '  smtp-server alone: the library mailsandbox is built on, with no transcript, store or hooks — its ceiling.',
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchSmtp().then((text) => console.log(text));
}
