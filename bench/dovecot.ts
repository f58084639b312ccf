/**
 * The reference server of the IMAP and POP3 benchmarks: a private Dovecot (Debian dovecot-imapd /
 * dovecot-pop3d) in a temp dir, with its own config, Maildir and loopback port, run in the
 * foreground and stopped by its PID. Logins need no password; mail belongs to nobody.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const port = await freePort();
  const mail = join(dir, 'mail');
  writeMaildir(mail, user, options.messages, options.flags ?? '');
  for (const sub of ['run', 'state']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(conf, config(dir, mail, protocol, port, options.settings ?? []));
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
