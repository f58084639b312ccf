/**
 * POP3 under a big maildrop (issue 4): LIST, UIDL and RETR of every message of a 10,000-message
 * maildrop over one connection, against mailsandbox and, in the same run, a private Dovecot POP3
 * (Debian `dovecot-pop3d`) on loopback with its own config, Maildir and port.
 *
 * Both servers hold the same messages: mailsandbox as SMTP stores them (CRLF), Dovecot as a Maildir
 * written by an LDA (LF; Dovecot sends CRLF). The client runs in a worker thread so its own work does
 * not count against the sandbox's event loop; it checks that both servers send the same octets.
 *
 * `node dist/bench/pop3.js` runs it alone; BENCH_POP3_MESSAGES and BENCH_POP3_ROUNDS change the size.
 */
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';
import { againstDovecot, DOVECOT } from './dovecot.js';
import { reportRound, roundInWorker, stepRows, table } from './support.js';

export const STEPS = ['login', 'LIST', 'UIDL', 'RETR all'] as const;
type Step = (typeof STEPS)[number];

export interface RoundResult {
  ms: Record<Step, number>;
  listed: number;
  retrievedOctets: number;
}

// ---------------------------------------------------------------------------------------------
// The messages: deterministic, 1–6 KB, some with lines that need dot-stuffing.

function makeMessage(n: number): string {
  const lines = [
    `From: Sender ${n % 97} <sender${n % 97}@example.test>`,
    'To: bench@example.test',
    `Subject: benchmark message ${n}`,
    `Date: Sat, 28 Nov 2026 08:${String(n % 60).padStart(2, '0')}:00 +0000`,
    `Message-ID: <bench-${n}@mailsandbox.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
  ];
  const bodyLines = 12 + ((n * 7919) % 70);
  for (let i = 0; i < bodyLines; i++) {
    const dotted = n % 50 === 0 && i % 10 === 3;
    lines.push(
      (dotted ? '.' : '') + `line ${i} of message ${n} `.padEnd(72, String.fromCharCode(97 + ((n + i) % 26))),
    );
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// The client (worker thread): one connection, USER/PASS, then LIST, UIDL and every RETR in turn.

class Pop3Client {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiting: (() => void) | null = null;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.waiting?.();
    });
  }

  static open(port: number): Promise<Pop3Client> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () =>
        resolve(new Pop3Client(socket)),
      );
      socket.once('error', reject);
    });
  }

  private async until(done: (data: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      this.chunks = [data];
      const end = done(data);
      if (end >= 0) {
        const rest = data.subarray(end);
        this.chunks = rest.length ? [rest] : [];
        this.size = rest.length;
        return data.subarray(0, end);
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('POP3 bench: no reply for 30 s')), 30_000);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  /** One reply line. */
  async line(): Promise<string> {
    const got = await this.until((d) => {
      const i = d.indexOf('\r\n');
      return i < 0 ? -1 : i + 2;
    });
    return got.toString('latin1', 0, got.length - 2);
  }

  async command(line: string): Promise<string> {
    this.socket.write(line + '\r\n');
    const reply = await this.line();
    if (!reply.startsWith('+OK')) throw new Error(`POP3 bench: ${line} → ${reply}`);
    return reply;
  }

  /** A multi-line reply: returns the body with the terminator, still dot-stuffed. */
  async multiline(line: string): Promise<Buffer> {
    await this.command(line);
    return this.until((d) => {
      if (d.length >= 3 && d[0] === 0x2e && d[1] === 0x0d && d[2] === 0x0a) return 3;
      const i = d.indexOf('\r\n.\r\n');
      return i < 0 ? -1 : i + 5;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

async function clientRound(port: number, user: string): Promise<RoundResult> {
  const ms = {} as Record<Step, number>;
  let t = performance.now();
  const lap = (step: Step) => {
    const now = performance.now();
    ms[step] = now - t;
    t = now;
  };
  const client = await Pop3Client.open(port);
  await client.line();
  await client.command(`USER ${user}`);
  await client.command('PASS bench');
  lap('login');
  const list = await client.multiline('LIST');
  lap('LIST');
  await client.multiline('UIDL');
  lap('UIDL');
  const numbers = list
    .toString('latin1')
    .split('\r\n')
    .filter((l) => /^\d+ \d+$/.test(l))
    .map((l) => l.split(' ')[0]!);
  let retrievedOctets = 0;
  for (const n of numbers) retrievedOctets += (await client.multiline(`RETR ${n}`)).length;
  lap('RETR all');
  await client.command('QUIT').catch(() => undefined);
  client.close();
  return { ms, listed: numbers.length, retrievedOctets };
}

if (!isMainThread && (workerData as { pop3Bench?: boolean } | null)?.pop3Bench) {
  const { port, user } = workerData as { port: number; user: string };
  reportRound(clientRound(port, user));
}

// ---------------------------------------------------------------------------------------------
// The run: warm both up once, then `rounds` measured rounds each, alternating; report medians.

export async function benchPop3(): Promise<string> {
  const count = Number(process.env.BENCH_POP3_MESSAGES ?? 10_000);
  const rounds = Number(process.env.BENCH_POP3_ROUNDS ?? 3);
  if (!existsSync(DOVECOT))
    return `POP3 benchmark skipped: ${DOVECOT} not found (apt-get install dovecot-pop3d)`;
  const user = 'bench';
  const messages = Array.from({ length: count }, (_, i) => makeMessage(i + 1));
  const { ours, theirs, version } = await againstDovecot({
    protocol: 'pop3',
    messages,
    user,
    flags: 'S',
    settings: ['auth_mechanisms = plain', 'pop3_no_flag_updates = yes'],
    rounds,
    round: (port) =>
      roundInWorker<RoundResult>(fileURLToPath(import.meta.url), { pop3Bench: true, port, user }),
  });
  for (const [name, results] of [
    ['mailsandbox', ours],
    ['dovecot', theirs],
  ] as const)
    if (results.some((x) => x.listed !== count))
      throw new Error(`${name} listed ${results.map((x) => x.listed).join('/')} of ${count} messages`);
  if (ours[0]!.retrievedOctets !== theirs[0]!.retrievedOctets)
    throw new Error(
      `RETR octets differ: ${ours[0]!.retrievedOctets} vs dovecot ${theirs[0]!.retrievedOctets}`,
    );
  const mb = (ours[0]!.retrievedOctets / 1024 / 1024).toFixed(1);
  return [
    `POP3: ${count} messages (${mb} MiB as sent), one connection per round, median of ${rounds} rounds`,
    `(client in a worker thread; RETR sequential, one command at a time; ratio = mailsandbox / dovecot)`,
    ...table(['step', 'mailsandbox', `dovecot ${version}`, 'ratio'], stepRows(STEPS, ours, theirs)),
  ].join('\n');
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  benchPop3().then(
    (table) => console.log(table),
    (err: Error) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
