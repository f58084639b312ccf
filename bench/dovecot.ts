/**
 * The reference server of the IMAP and POP3 benchmarks: a private Dovecot (Debian dovecot-imapd /
 * dovecot-pop3d) in a temp dir, with its own config, Maildir and loopback port, run in the
 * foreground and stopped by its PID. Logins need no password; mail belongs to nobody.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild, waitForPort } from './support.js';

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  port: number;
  version: string;
  stop(): Promise<void>;
}

export interface DovecotOptions {
  /** A temp dir of the benchmark's own (mode 0755: Dovecot's mail processes run as nobody). */
  dir: string;
  protocol: 'imap' | 'pop3';
  /** Written as the user's INBOX, one Maildir file each, oldest first. */
  messages: string[];
  user: string;
  /** Maildir info flags of every message (`S` for seen). */
  flags?: string;
  /** More dovecot.conf lines. */
  settings?: string[];
}

const NOBODY = { uid: 65534, gid: 65534 };

function writeMaildir(mail: string, user: string, messages: string[], flags: string): void {
  const dirs = ['', 'cur', 'new', 'tmp'].map((s) => join(mail, user, s));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  const files = messages.map((m, i) => {
    const file = join(mail, user, 'cur', `${now - messages.length + i}.M${i}P1.bench:2,${flags}`);
    writeFileSync(file, m);
    return file;
  });
  for (const path of [mail, ...dirs, ...files]) chownSync(path, NOBODY.uid, NOBODY.gid);
}

function config(dir: string, mail: string, protocol: string, port: number, settings: string[]): string {
  return [
    `base_dir = ${join(dir, 'run')}`,
    `state_dir = ${join(dir, 'state')}`,
    `log_path = ${join(dir, 'dovecot.log')}`,
    `protocols = ${protocol}`,
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    `mail_location = maildir:${mail}/%u`,
    ...settings,
    'passdb {\n  driver = static\n  args = nopassword=y\n}',
    `userdb {\n  driver = static\n  args = uid=${NOBODY.uid} gid=${NOBODY.gid} home=${mail}/%u\n}`,
    `service ${protocol}-login {`,
    `  inet_listener ${protocol} {\n    address = 127.0.0.1\n    port = ${port}\n  }`,
    `  inet_listener ${protocol}s {\n    port = 0\n  }`,
    '}',
    'service anvil {\n  chroot =\n}',
    '',
  ].join('\n');
}

function dovecotVersion(): Promise<string> {
  return new Promise((resolve) => {
    const v = spawn(DOVECOT, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    v.stdout.on('data', (c: Buffer) => (out += c.toString()));
    v.on('close', () => resolve(out.trim().split(' ')[0] ?? '?'));
  });
}

export async function startDovecot(options: DovecotOptions): Promise<Dovecot> {
  const { dir, protocol, user } = options;
  const mail = join(dir, 'mail');
  writeMaildir(mail, user, options.messages, options.flags ?? '');
  return startDovecotOn(dir, mail, protocol, options.settings ?? []);
}

/** Dovecot on Maildirs already written under `mail` (`mail/<user>/cur/…`, owned by nobody), with its
 *  config and state in `dir` (mode 0755). */
export async function startDovecotOn(
  dir: string,
  mail: string,
  protocol: 'imap' | 'pop3',
  settings: string[] = [],
): Promise<Dovecot> {
  const port = await freePort();
  return runDovecot(dir, config(dir, mail, protocol, port, settings), port);
}

/** Writes dovecot.conf in `dir`, runs Dovecot in the foreground and waits until `port` listens. */
async function runDovecot(dir: string, text: string, port: number): Promise<Dovecot> {
  for (const sub of ['run', 'state']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(conf, text);
  const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await waitForPort(port, child, 'dovecot', 15_000);
  } catch (err) {
    child.kill('SIGKILL');
    const log = existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '';
    throw new Error(`${(err as Error).message}\n${stderr}\n${log.slice(-2000)}`);
  }
  return { port, version: await dovecotVersion(), stop: () => stopChild(child) };
}

export interface DovecotDefaults extends Dovecot {
  ports: { imap: number; imaps: number; pop3: number; pop3s: number; submission: number };
}

/**
 * Dovecot as Debian ships it (the `dovecot` personality's reference, test/scenarios): default settings
 * (plain-text login only after TLS) plus ssl with the given pair, IMAP, POP3 and submission (relaying to a
 * closed port), one user `test` with password `testpass`. The mail belongs to nobody.
 */
export async function startDovecotDefaults(
  dir: string,
  tls: { cert: string; key: string },
): Promise<DovecotDefaults> {
  const mail = join(dir, 'mail');
  writeMaildir(mail, 'test', [], '');
  const ports = {
    imap: await freePort(),
    imaps: await freePort(),
    pop3: await freePort(),
    pop3s: await freePort(),
    submission: await freePort(),
  };
  const listener = (name: keyof typeof ports): string =>
    `  inet_listener ${name} {\n    address = 127.0.0.1\n    port = ${ports[name]}\n  }`;
  const text = [
    `base_dir = ${join(dir, 'run')}`,
    `state_dir = ${join(dir, 'state')}`,
    `log_path = ${join(dir, 'dovecot.log')}`,
    'protocols = imap pop3 submission',
    'listen = 127.0.0.1',
    'ssl = yes',
    `ssl_cert = <${tls.cert}`,
    `ssl_key = <${tls.key}`,
    `mail_location = maildir:${mail}/%u`,
    'hostname = mail.example.test',
    'submission_relay_host = 127.0.0.1',
    'submission_relay_port = 9',
    'passdb {\n  driver = static\n  args = password=testpass\n}',
    `userdb {\n  driver = static\n  args = uid=${NOBODY.uid} gid=${NOBODY.gid} home=${mail}/%u\n}`,
    `service imap-login {\n${listener('imap')}\n${listener('imaps')}\n}`,
    `service pop3-login {\n${listener('pop3')}\n${listener('pop3s')}\n}`,
    `service submission-login {\n${listener('submission')}\n}`,
    'service anvil {\n  chroot =\n}',
    '',
  ].join('\n');
  return { ...(await runDovecot(dir, text, ports.submission)), ports };
}

export interface SideBySide<R> {
  ours: R[];
  theirs: R[];
  version: string;
}

/**
 * The IMAP and POP3 benchmarks' run: the same messages in mailsandbox (stored as SMTP stores them,
 * CRLF) and in a private Dovecot (a Maildir, LF), one warm-up round each (Dovecot builds its index,
 * we parse each message once), then `rounds` measured rounds, alternating. Cleans up after itself.
 */
export async function againstDovecot<R>(
  options: Omit<DovecotOptions, 'dir'> & { rounds: number; round(port: number): Promise<R> },
): Promise<SideBySide<R>> {
  const dir = mkdtempSync(join(tmpdir(), `mailsandbox-${options.protocol}-bench-`));
  // Dovecot's mail processes run as nobody and must reach the Maildir inside.
  chmodSync(dir, 0o755);
  // Imported here, not at the top: the client workers load the benchmark files too and need none of it.
  const { startSandbox } = await import('../src/index.js');
  const sandbox = await startSandbox({
    portOffset: 'ephemeral',
    listeners: [options.protocol],
    certsDir: join(dir, 'certs'),
  });
  let dovecot: Dovecot | null = null;
  try {
    const drop = sandbox.store.maildropFor(options.user);
    for (const m of options.messages)
      await sandbox.store.append(drop, 'INBOX', Buffer.from(m.replace(/\n/g, '\r\n')));
    dovecot = await startDovecot({ ...options, dir });
    const ourPort = sandbox.ports[options.protocol]!;
    await options.round(ourPort);
    await options.round(dovecot.port);
    const ours: R[] = [];
    const theirs: R[] = [];
    for (let r = 0; r < options.rounds; r++) {
      ours.push(await options.round(ourPort));
      theirs.push(await options.round(dovecot.port));
    }
    return { ours, theirs, version: dovecot.version };
  } finally {
    await dovecot?.stop();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
