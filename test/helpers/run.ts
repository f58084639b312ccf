import { spawn } from 'node:child_process';
import { certPath } from './sandbox.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a third-party client (curl, swaks, openssl, python3) without blocking the event loop — the
 * sandbox under test runs in this same process. Killed after `timeoutMs`.
 */
export function run(
  command: string,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Runs a python3 snippet; argv after the script are passed as sys.argv[1:]. */
export function python(script: string, args: string[] = [], timeoutMs = 30_000): Promise<RunResult> {
  return run('python3', ['-c', script, ...args], { timeoutMs });
}

/**
 * The article's hand-typed session: `openssl s_client -starttls PROTO` on 127.0.0.1:`port`, lines typed
 * from `input` (-crlf, -ign_eof), the sandbox certificate verified (-verify_return_error).
 */
export function typedOverStartTls(
  port: number | undefined,
  protocol: 'smtp' | 'imap',
  input: string,
  timeoutMs = 15_000,
): Promise<RunResult> {
  return run(
    'openssl',
    [
      's_client',
      '-starttls',
      protocol,
      '-crlf',
      '-quiet',
      '-ign_eof',
      '-connect',
      `127.0.0.1:${port}`,
      '-CAfile',
      certPath(),
      '-verify_return_error',
      '-servername',
      'localhost',
    ],
    { input, timeoutMs },
  );
}
