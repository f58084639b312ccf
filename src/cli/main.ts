#!/usr/bin/env node
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
  if (!isLoopback(sandbox.host)) {
    messages.push({
      level: 'warn',
      text: `listening on ${sandbox.host}, not only on this machine: anyone who can reach it can log in with any password`,
    });
  }
  return messages;
}

async function runHeadless(sandbox: Sandbox, options: CliOptions): Promise<() => Promise<void>> {
  const { createLogger, logEvent, logListener } = await import('../log/logger.js');
  const logger = createLogger({ pretty: options.pretty || (process.stdout.isTTY ?? false) });
  for (const status of sandbox.listeners) logListener(logger, status);
  for (const m of startupMessages(sandbox, false)) logger[m.level]({ event: 'startup' }, m.text);
  const unsubscribe = sandbox.transcript.subscribe((event) => logEvent(logger, event));
  return async () => {
    unsubscribe();
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  };
}

async function start(options: CliOptions): Promise<void> {
  // Loaded here, not at the top: the helper commands and --help should not pay for TLS and servers.
  const { startSandbox } = await import('../sandbox.js');
  const sandbox = await startSandbox(options.sandbox);
  if (sandbox.listeners.every((l) => l.error)) {
    for (const l of sandbox.listeners) process.stderr.write(`mailsandbox: ${l.name}: ${l.error}\n`);
    await sandbox.close();
    process.exit(1);
  }
  let stopping = false;
  const stop = async (code: number, finish: () => Promise<void>) => {
    if (stopping) return;
    stopping = true;
    await sandbox.close();
    await finish();
    process.exit(code);
  };
  const tui = !options.noTui && process.stdout.isTTY && process.stdin.isTTY;
  if (tui) {
    const ui = await loadUi();
    if (ui) {
      const done = ui(sandbox, startupMessages(sandbox, true));
      process.once('SIGTERM', () => void stop(0, async () => {}));
      await done;
      await stop(0, async () => {});
      return;
    }
  }
  const finish = await runHeadless(sandbox, options);
  process.once('SIGINT', () => void stop(0, finish));
  process.once('SIGTERM', () => void stop(0, finish));
}

/** The terminal UI lives in src/ui (issue 6); until it exists the pretty log is the terminal view. */
async function loadUi(): Promise<((sandbox: Sandbox, messages: Message[]) => Promise<void>) | null> {
  const path = '../ui/render.js';
  try {
    const mod = (await import(path)) as {
      runTui?: (s: Sandbox, o: { saveDir: string; messages: Message[]; scenario: null }) => Promise<void>;
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

export async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
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

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`mailsandbox: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`mailsandbox: ${(err as Error).message}\n`);
  process.exit(1);
});
