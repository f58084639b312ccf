import { existsSync } from 'node:fs';
import type { Sandbox, SandboxOptions } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { run, type RunResult } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/** A test sandbox (SMTP listeners only) running a shipped scenario. */
export async function scenarioSandbox(name: string, options: SandboxOptions = {}): Promise<Sandbox> {
  return startTestSandbox({
    listeners: ['smtp', 'submission', 'smtps'],
    scenario: await loadScenario(name),
    ...options,
  });
}

/** Names of the rules that fired (scenario-action events), in order. */
export function firedRules(sb: Sandbox): string[] {
  return sb.transcript
    .history()
    .filter((e) => e.type === 'scenario-action')
    .map((e) => (e.type === 'scenario-action' ? e.rule : ''));
}

/** Server lines of every session, in order. */
export function serverLines(sb: Sandbox): string[] {
  return sb.transcript
    .history()
    .filter((e) => e.type === 'server-line')
    .map((e) => (e.type === 'server-line' ? e.line : ''));
}

/** Debian's python3 directly: a pyenv shim in front of it costs seconds per run on a busy machine. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Runs a python3 smtplib script: `port` and `cafile` are defined, and `report(**kw)` prints the
 * result as JSON, which is returned parsed. The script should catch what it expects to fail.
 */
export async function smtplib(
  body: string,
  port: number,
  cafile: string,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const script = [
    'import json, smtplib, ssl, socket, sys, time',
    'port = int(sys.argv[1]); cafile = sys.argv[2]',
    'def report(**kw): print(json.dumps(kw)); sys.stdout.flush()',
    'def tls(): return ssl.create_default_context(cafile=cafile)',
    'def err(e): return {"type": type(e).__name__, "code": getattr(e, "smtp_code", None), "text": str(e)}',
    body,
  ].join('\n');
  const result: RunResult = await run(PYTHON, ['-c', script, String(port), cafile], { timeoutMs });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`python failed (code ${result.code}): ${result.stderr || result.stdout}`);
  }
}

/** A message of about `bytes` bytes, CRLF line ends. */
export function messageOf(bytes: number, subject = 'scenario test'): string {
  const head = `From: a@example.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\n\r\n`;
  const line = 'x'.repeat(70) + '\r\n';
  return head + line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length)));
}
