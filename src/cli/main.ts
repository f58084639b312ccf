#!/usr/bin/env node
// `npm start` runs this as `MALLOC_ARENA_MAX=2 node --max-semi-space-size=8` (package.json), settings
// only a process's start can make (v8.setFlagsFromString has no effect on the young generation at run
// time; glibc reads its variable before the first malloc). Serving a 100,000-message Maildir they took
// ~55 MiB off the peak RSS (npm run bench -- store): V8's young generation at 2 × 8 MiB instead of
// 2 × 16 most of it (4 MiB cost SMTP ~10 % CPU), two malloc arenas instead of 8 per core ~10 MiB; SMTP
// and the terminal UI as fast within noise. The first line stays plain: `#!/usr/bin/env -S …` fails
// where env has no -S (BusyBox, Alpine images).
// First import: it must listen for signals before the other modules load (see early-signals.ts).
import { earlySignal } from './early-signals.js';
import { readFileSync } from 'node:fs';
import { isLoopback } from '../config/defaults.js';
import type { Sandbox } from '../sandbox.js';
import { helpText, parseFlags, UsageError, type CliOptions } from './flags.js';
import { runHelper } from './helpers.js';

type Message = { level: 'info' | 'warn' | 'error'; text: string };

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function startupMessages(sandbox: Sandbox, withListenerErrors: boolean): Message[] {
  const messages: Message[] = [];
  for (const l of sandbox.listeners) {
    if (l.error && withListenerErrors) messages.push({ level: 'error', text: `${l.name}: ${l.error}` });
  }
  const cert = sandbox.certificate;
  messages.push({
    level: 'info',
    text: `certificate ${cert.certPath}${cert.generated ? ' (generated now)' : ''} SHA-256 ${cert.fingerprint256}`,
  });
  if (sandbox.scenario) {
    const { name, seed, random } = sandbox.scenario;
    messages.push({
      level: 'info',
      text: `scenario ${name}${random ? ` (seed ${seed}: --seed ${seed} replays it)` : ''}`,
    });
  }
  const http = sandbox.listeners.find((l) => l.proto === 'http' && l.port !== null);
  if (http && sandbox.httpTokenRequired) {
    messages.push({
      level: 'info',
      text: `the HTTP API on port ${http.port} requires the --http-token: send "Authorization: Bearer TOKEN"; the page opens as http://HOST:${http.port}/#token=TOKEN`,
    });
  }
  if (!isLoopback(sandbox.host)) {
    messages.push({
      level: 'warn',
      text: `listening on ${sandbox.host}, not only on this machine: anyone who can reach it can log in with any password`,
    });
  }
  return messages;
}

interface Headless {
  /** Says the sandbox is stopping and why, before the sessions are closed. */
  stopping(signal: NodeJS.Signals): void;
  finish(): Promise<void>;
}

async function runHeadless(sandbox: Sandbox, options: CliOptions): Promise<Headless> {
  const { createHeadlessLog, logListener } = await import('../log/logger.js');
  const log = createHeadlessLog({ pretty: options.pretty || (process.stdout.isTTY ?? false) });
  for (const status of sandbox.listeners) logListener(log.logger, status);
  for (const m of startupMessages(sandbox, false)) log.logger[m.level]({ event: 'startup' }, m.text);
  const unsubscribe = sandbox.transcript.subscribe((event) => log.event(event));
  return {
    stopping: (signal) => log.logger.info({ event: 'stopping', signal }, `stopping (${signal})`),
    finish: async () => {
      unsubscribe();
      await log.flush();
    },
  };
}

async function start(options: CliOptions): Promise<void> {
  // Loaded here, not at the top: the helper commands and --help should not pay for TLS and servers.
  const { startSandbox } = await import('../sandbox.js');
  const { loadScenario, ScenarioError } = await import('../scenario/index.js');
  if (options.scenario) {
    try {
      options.sandbox.scenario = await loadScenario(options.scenario);
    } catch (err) {
      // An invalid scenario is refused before anything listens (exit 2, like a bad flag).
      if (err instanceof ScenarioError) throw new UsageError(err.message);
      throw err;
    }
  }
  if (options.seed !== null) options.sandbox.seed = options.seed;
  // A Maildir index is the one large live heap the sandbox holds: collect before growing far past it.
  // Set here, by the process that owns its V8 settings; the library leaves its host's alone.
  if (options.sandbox.maildir) {
    const { gentleHeapGrowth } = await import('../store/heap-growth.js');
    gentleHeapGrowth();
  }
  const sandbox = await startSandbox(options.sandbox);
  const tui = !options.noTui && process.stdout.isTTY && process.stdin.isTTY;
  // Headless, SIGHUP re-reads the scenario file (sessions opened from then on get the new version).
  // In the terminal UI it means the terminal went away, and the sandbox stops (below).
  if (options.scenario && !tui) {
    process.on('SIGHUP', () => {
      loadScenario(options.scenario!).then(
        (scenario) => {
          sandbox.useScenario(scenario, options.seed ?? sandbox.scenario?.seed);
          sandbox.bus.publish({
            type: 'note',
            sid: '-',
            proto: 'smtp',
            level: 'info',
            text: `scenario ${scenario.name} reloaded`,
          });
        },
        (err: Error) =>
          sandbox.bus.publish({
            type: 'note',
            sid: '-',
            proto: 'smtp',
            level: 'error',
            text: `scenario not reloaded: ${err.message}`,
          }),
      );
    });
  }
  if (sandbox.listeners.every((l) => l.error)) {
    for (const l of sandbox.listeners) process.stderr.write(`mailsandbox: ${l.name}: ${l.error}\n`);
    await sandbox.close();
    process.exit(1);
  }
  let stopping = false;
  const stop = async (code: number, finish: () => Promise<void>) => {
    if (stopping) return;
    stopping = true;
    // Whatever hangs in closing (a socket that never drains) must not keep the process alive.
    setTimeout(() => process.exit(code), 10_000).unref();
    await sandbox.close();
    await finish();
    process.exit(code);
  };
  if (tui) {
    const ui = await loadUi();
    if (ui) {
      const done = ui(sandbox, startupMessages(sandbox, true));
      for (const signal of ['SIGTERM', 'SIGHUP'] as const)
        process.once(signal, () => void stop(0, async () => {}));
      if (earlySignal() && !stopping) void stop(0, async () => {});
      await done;
      await stop(0, async () => {});
      return;
    }
  }
  const headless = await runHeadless(sandbox, options);
  const onSignal = (signal: NodeJS.Signals) => {
    headless.stopping(signal);
    void stop(0, headless.finish);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  const early = earlySignal();
  if (early && !stopping) onSignal(early);
}

/** The terminal UI lives in src/ui (issue 6); until it exists the pretty log is the terminal view. */
async function loadUi(): Promise<((sandbox: Sandbox, messages: Message[]) => Promise<void>) | null> {
  // Ink draws only a final frame when the environment says CI (is-in-ci reads CI and
  // CONTINUOUS_INTEGRATION once, at import). Someone who runs the sandbox in a real terminal wants the
  // live view even where a dev container sets CI=true, so the UI is loaded with those read as false.
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
  const path = '../ui/render.js';
  try {
    const mod = (await import(path)) as {
      runTui?: (
        s: Sandbox,
        o: { saveDir: string; messages: Message[]; scenario: { name: string; seed?: number } | null },
      ) => Promise<void>;
    };
    if (!mod.runTui) return null;
    const runTui = mod.runTui;
    return (sandbox, messages) => runTui(sandbox, { saveDir: sandboxSaveDir(), messages, scenario: null });
  } catch {
    return null;
  }
}

let saveDir = 'transcripts';
function sandboxSaveDir(): string {
  return saveDir;
}

async function scenarioCommand(command: 'scenarios' | 'validate', args: string[]): Promise<void> {
  // The protocols hand their command names to the schema (rules on unknown commands are refused).
  await import('../protocols/command-names.js');
  const { listShippedScenarios, loadScenario, ScenarioError } = await import('../scenario/index.js');
  if (command === 'scenarios') {
    if (args.length) throw new UsageError('usage: mailsandbox scenarios');
    const list = listShippedScenarios();
    const width = Math.max(...list.map((s) => s.name.length));
    const line = (s: { name: string; description: string }): string =>
      `${s.name.padEnd(width)}  ${s.description}\n`;
    process.stdout.write(
      list
        .filter((s) => !s.personality)
        .map(line)
        .join(''),
    );
    // Server personalities (Dovecot, Gmail, ...) in a group of their own: whole servers, not one fault.
    const personalities = list.filter((s) => s.personality);
    if (personalities.length)
      process.stdout.write(`\nServer personalities:\n${personalities.map(line).join('')}`);
    return;
  }
  if (args.length !== 1) throw new UsageError('usage: mailsandbox validate FILE');
  try {
    const scenario = await loadScenario(args[0]!);
    process.stdout.write(`${scenario.file ?? scenario.name}: valid\n`);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    process.stderr.write(err.problems.map((p) => `mailsandbox: ${p}\n`).join(''));
    process.exit(2);
  }
}

/** The one-line usage of the subcommands without a --help of their own, printed for `SUB --help` (exit 0). */
const SUBCOMMAND_USAGE: Record<string, string> = {
  report: 'usage: mailsandbox report DIR [--json]',
  scenarios: 'usage: mailsandbox scenarios',
  validate: 'usage: mailsandbox validate FILE',
};

/** `mailsandbox report DIR [--json]`: the findings of a `--record` folder (exit 2 when unreadable). */
async function reportCommand(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const dirs = args.filter((a) => a !== '--json');
  const flag = dirs.find((a) => a.startsWith('-'));
  if (flag) throw new UsageError(`report: unknown flag ${flag}; ${SUBCOMMAND_USAGE.report}`);
  if (dirs.length !== 1) throw new UsageError(SUBCOMMAND_USAGE.report!);
  const { reportFolder, formatReport, reportJson, UnreadableFolder } = await import('../report/index.js');
  try {
    const report = await reportFolder(dirs[0]!);
    process.stdout.write(json ? reportJson(report) : formatReport(report));
  } catch (err) {
    if (err instanceof UnreadableFolder) throw new UsageError(`cannot read ${err.message}`);
    throw err;
  }
}

export async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  const usage = first === undefined ? undefined : SUBCOMMAND_USAGE[first];
  if (usage && rest.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (first === 'report') {
    await reportCommand(rest);
    return;
  }
  if (first === 'scenarios' || first === 'validate') {
    await scenarioCommand(first, rest);
    return;
  }
  if (first === 'replay') {
    const { replayCommand, ReplayUsageError } = await import('../replay/cli.js');
    try {
      process.exitCode = await replayCommand(rest);
    } catch (err) {
      throw err instanceof ReplayUsageError ? new UsageError(err.message) : err;
    }
    return;
  }
  if (first === 'proxy') {
    const { parseProxyArgs, PROXY_HELP } = await import('../proxy/cli.js');
    let parsed: ReturnType<typeof parseProxyArgs>;
    try {
      parsed = parseProxyArgs(rest);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const options = parseFlags(parsed.rest);
    if (options.help) return void process.stdout.write(PROXY_HELP);
    options.sandbox.proxy = parsed.proxy;
    for (const w of parsed.warnings) process.stderr.write(`mailsandbox: warning: ${w}\n`);
    if (options.sandbox.record) saveDir = options.sandbox.record;
    await start(options);
    return;
  }
  if (first && !first.startsWith('-') && first !== 'start') {
    process.stdout.write(runHelper(first, rest) + '\n');
    return;
  }
  const options = parseFlags(first === 'start' ? rest : argv);
  if (options.help) {
    process.stdout.write(helpText());
    return;
  }
  if (options.version) {
    process.stdout.write(version() + '\n');
    return;
  }
  if (options.sandbox.record) saveDir = options.sandbox.record;
  await start(options);
}

// `mailsandbox scenarios | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(
      err.message
        .split('\n')
        .map((line) => `mailsandbox: ${line}\n`)
        .join(''),
    );
    process.exit(2);
  }
  process.stderr.write(`mailsandbox: ${(err as Error).message}\n`);
  process.exit(1);
});
