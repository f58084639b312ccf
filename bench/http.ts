/**
 * The HTTP API's live stream under SMTP load (issue 18): SMTP throughput of the sandbox with one
 * Server-Sent Events reader attached to GET /api/v1/events, against the same sandbox with none.
 * postfix's smtp-source drives SMTP (one connection per message, and many messages per connection);
 * runs alternate between the two setups and the medians are reported. The reader runs in this
 * process (idle otherwise while smtp-source works) and counts what it receives, so a reader that was
 * dropped or fell silent shows in the table. The goal: with a reader, at least 0.9× of without.
 *
 * Needs the Debian package `postfix` (smtp-source). `node dist/bench/http.js` runs it alone;
 * BENCH_HTTP_ROUNDS changes the number of rounds (default 3).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, source } from './smtp.js';
import { freePort, median, portIsFree, spawnCli, stopChild, waitForPort } from './support.js';

const SMTP_SOURCE = '/usr/sbin/smtp-source';

interface Running {
  child: ChildProcess;
  smtp: number;
  http: number;
}

/** The CLI, headless as in normal use, with the smtp and http listeners at one offset. */
async function startSandbox(): Promise<Running> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const smtp = await freePort();
    const offset = smtp - 25;
    const http = offset + 80;
    if (http > 65_535 || !(await portIsFree(http))) continue;
    const child = spawnCli(['--no-tui', '--listeners', 'smtp,http', '--port-offset', String(offset)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForPort(smtp, child, 'mailsandbox smtp');
    await waitForPort(http, child, 'mailsandbox http');
    return { child, smtp, http };
  }
  throw new Error('no free pair of ports for smtp and http');
}

interface Reader {
  stop(): Promise<{ events: number; dropped: boolean }>;
}

/** One SSE reader that reads as fast as it can and counts events. */
async function attachReader(port: number): Promise<Reader> {
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { signal: abort.signal });
  if (res.status !== 200) throw new Error(`GET /events: ${res.status}`);
  let events = 0;
  let dropped = false;
  const decoder = new TextDecoder();
  const reading = (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        for (let i = text.indexOf('\nid: '); i !== -1; i = text.indexOf('\nid: ', i + 1)) events++;
        if (text.includes('event: dropped')) dropped = true;
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await reading;
      return { events, dropped };
    },
  };
}

export async function benchHttp(): Promise<string> {
  if (!existsSync(SMTP_SOURCE)) return 'HTTP: skipped — smtp-source not found (apt-get install postfix)';
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
  const modes = [
    {
      label: 'one connection per message (-s 20 -m 5000 -l 1024)',
      args: ['-s', '20', '-m', '5000', '-l', '1024'],
      messages: 5000,
    },
    {
      label: 'many messages per connection (-s 20 -m 20000 -l 1024 -d)',
      args: ['-s', '20', '-m', '20000', '-l', '1024', '-d'],
      messages: 20000,
    },
  ];
  const lines = [
    `SMTP throughput with an SSE reader on /api/v1/events (messages/s, median of ${rounds} alternating rounds)`,
    '',
  ];
  for (const mode of modes) {
    const rates = { without: [] as number[], with: [] as number[] };
    const cpu = { without: [] as number[], with: [] as number[] };
    const received: number[] = [];
    let dropped = 0;
    for (let round = 0; round < rounds; round++) {
      for (const setup of ['without', 'with'] as const) {
        const sandbox = await startSandbox();
        try {
          const reader = setup === 'with' ? await attachReader(sandbox.http) : null;
          const cpuBefore = cpuSeconds(sandbox.child.pid!);
          const seconds = await source(sandbox.smtp, mode.args);
          cpu[setup].push((cpuSeconds(sandbox.child.pid!) - cpuBefore) / mode.messages);
          rates[setup].push(mode.messages / seconds);
          if (reader) {
            // The last events are still on their way: give the stream a moment before counting.
            await new Promise((r) => setTimeout(r, 500));
            const got = await reader.stop();
            received.push(got.events / mode.messages);
            if (got.dropped) dropped++;
          }
        } finally {
          await stopChild(sandbox.child);
        }
      }
    }
    const without = median(rates.without);
    const withReader = median(rates.with);
    lines.push(`  ${mode.label}`);
    lines.push(
      `    no reader          ${without.toFixed(0).padStart(7)} msg/s   CPU ${(median(cpu.without) * 1e6).toFixed(0).padStart(5)} µs/message`,
    );
    lines.push(
      `    one SSE reader     ${withReader.toFixed(0).padStart(7)} msg/s   CPU ${(median(cpu.with) * 1e6).toFixed(0).padStart(5)} µs/message   ratio ${(withReader / without).toFixed(2)}× (goal ≥ 0.90×)`,
    );
    lines.push(
      `    the reader got ${median(received).toFixed(1)} events per message; dropped in ${dropped} of ${rounds} rounds`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchHttp().then((text) => console.log(text));
}
