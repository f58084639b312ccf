/**
 * The terminal UI's frames alone, no servers (issue 19 goal 2): the App drawn by Ink on a fake colour
 * terminal, 120×40 (BENCH_UI_FRAMES_COLUMNS wide), while a timer floods it with short SMTP sessions
 * (one session = 18 transcript events, BENCH_UI_FRAMES_RATE sessions/s, default 4,000). Prints the
 * CPU per frame and per session and the heap after a full GC at a quarter of the run and at its end:
 * with the model's memory bounded, the heap must not grow between the two (it did, through Ink's
 * caches of every string it measured or cut). Run it alone: `node --expose-gc
 * dist/bench/ui-frames.js` (BENCH_UI_FRAMES_SECONDS, default 20). The CPU figures include making the
 * events; compare builds back to back under the bench lock.
 */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TranscriptBus } from '../src/transcript/bus.js';
import type { TranscriptEventInput } from '../src/transcript/events.js';

/** What Ink needs of a terminal: write, a size, and resize events. */
class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  columns = Number(process.env.BENCH_UI_FRAMES_COLUMNS ?? 120);
  rows = 40;
  write(): boolean {
    return true;
  }
}

/** A keyboard that never types (Ink puts it in raw mode for `useInput`). */
class FakeKeyboard extends EventEmitter {
  readonly isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

function shortSession(bus: TranscriptBus, n: number): void {
  const sid = `smtp#${n}`;
  const p = 'smtp' as const;
  const publish = (e: TranscriptEventInput) => bus.publish(e);
  const server = (line: string) => publish({ type: 'server-line', sid, proto: p, line });
  const client = (line: string) => publish({ type: 'client-line', sid, proto: p, line });
  publish({
    type: 'session-open',
    sid,
    proto: p,
    listener: 'smtp',
    localPort: 2525,
    tls: 'plain',
    remoteAddress: '127.0.0.1',
    remotePort: 10_000 + (n % 50_000),
  });
  server('220 mailsandbox ESMTP');
  client('EHLO bench.test');
  for (const line of ['250-mailsandbox', '250-PIPELINING', '250-8BITMIME', '250 SMTPUTF8']) server(line);
  client(`MAIL FROM:<bench${n}@bench.test>`);
  server('250 Accepted');
  client('RCPT TO:<sink@bench.test>');
  server('250 Accepted');
  client('DATA');
  server('354 End data with <CR><LF>.<CR><LF>');
  publish({
    type: 'message-stored',
    sid,
    proto: p,
    id: `m${n}`,
    size: 40,
    from: `bench${n}@bench.test`,
    recipients: ['sink@bench.test'],
  });
  server('250 OK: message queued');
  client('QUIT');
  server('221 Bye');
  publish({ type: 'session-close', sid, proto: p, reason: 'client quit', durationMs: 3 });
}

/** Heap in use after a full GC, once the flood has paused long enough for the UI to fold its queue
 *  of pending events (up to 20,000) into the model: what the UI really keeps. */
const heapAfterGc = async () => {
  await new Promise((r) => setTimeout(r, 2_000));
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

export async function benchUiFrames(): Promise<string> {
  if (!(globalThis as { gc?: unknown }).gc) throw new Error('run with node --expose-gc');
  const seconds = Number(process.env.BENCH_UI_FRAMES_SECONDS ?? 20);
  const rate = Number(process.env.BENCH_UI_FRAMES_RATE ?? 4_000);
  process.env.NODE_ENV ??= 'production';
  // Colours as on a real terminal (chalk would see this process's stdout, not the fake one).
  process.env.FORCE_COLOR ??= '1';
  const [{ createElement }, { render }, { App }] = await Promise.all([
    import('react'),
    import('ink'),
    import('../src/ui/App.js'),
  ]);
  const terminal = new FakeTerminal();
  let frames = 0;
  let inkMs = 0;
  const bus = new TranscriptBus(1_000);
  const instance = render(
    createElement(App, {
      source: bus,
      listeners: [],
      fingerprint: 'AB:CD:EF:01:23',
      saveDir: '/nonexistent',
      colors: true,
    }),
    {
      stdout: terminal as unknown as NodeJS.WriteStream,
      stdin: new FakeKeyboard() as unknown as NodeJS.ReadStream,
      // Counts frames: Ink calls this once per frame it draws.
      onRender: ({ renderTime }: { renderTime: number }) => {
        frames++;
        inkMs += renderTime;
      },
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 30,
    },
  );
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let n = 0;
  const run = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      for (let i = 0; i < perTick; i++) shortSession(bus, ++n);
      await new Promise((r) => setTimeout(r, tickMs));
    }
  };
  await run((seconds * 1000) / 4);
  const heapQuarter = await heapAfterGc();
  const [frames0, inkMs0, sessions0, cpu0] = [frames, inkMs, n, process.cpuUsage()];
  await run((seconds * 3000) / 4);
  const cpu = process.cpuUsage(cpu0);
  const heapEnd = await heapAfterGc();
  const drawn = frames - frames0;
  const inkPerFrame = (inkMs - inkMs0) / drawn;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  instance.unmount();
  return [
    `UI frames: App on a fake ${terminal.columns}×${terminal.rows} colour terminal, ${rate} short SMTP sessions/s for ${seconds} s (${n} sessions)`,
    `  last three quarters: ${drawn} frames, ${(cpuMs / drawn).toFixed(2)} ms CPU per frame (ingest included; Ink's output step ${inkPerFrame.toFixed(2)} ms), ${((1000 * cpuMs) / (n - sessions0)).toFixed(1)} µs CPU per session`,
    `  heap after GC: at a quarter ${mb(heapQuarter)}, at the end ${mb(heapEnd)} (growth ${mb(heapEnd - heapQuarter)})`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchUiFrames());
