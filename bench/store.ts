/**
 * Memory that does not grow with the mail (issue 19 goal 3): 100,000 messages of the IMAP benchmark's
 * mix (2–5 KiB, every fifth multipart) in a Maildir, served by `mailsandbox --maildir` in a process of
 * its own (bench/store-server.ts, so the RSS is the sandbox's alone) and by a private Dovecot on the
 * same messages, each as it stores them (as bench/dovecot.ts has it): CRLF for us as SMTP stores them,
 * LF for Dovecot as its LDA writes them (it sends CRLF). Both Maildirs are written file by file. Measured: start-up time and RSS after it, the IMAP steps of bench/imap.ts (a STORE
 * on 1% of the messages and FETCH CHANGEDSINCE among them), POP3 LIST/UIDL/RETR of every message, and
 * the peak RSS.
 *
 * `node dist/bench/store.js` runs it alone; BENCH_STORE_MESSAGES and BENCH_STORE_ROUNDS change the size, and
 * BENCH_STORE_NODE_ARGS adds Node flags to the server's process (`--max-old-space-size=320` shows how much of
 * the peak RSS is old space V8 grew into rather than live data).
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
import { fileURLToPath } from 'node:url';
import { DOVECOT, startDovecotOn, type Dovecot } from './dovecot.js';
import { makeMessage, STEPS as IMAP_STEPS, type RoundResult as ImapRound } from './imap.js';
import { STEPS as POP3_STEPS, type RoundResult as Pop3Round } from './pop3.js';
import { cliLaunch, roundInWorker, stepRows, stopChild, table } from './support.js';
import { DEFAULT_LIMITS } from '../src/config/limits.js';

const NOBODY = 65534;
const USER = 'bench';
const IMAP_FILE = fileURLToPath(new URL('./imap.js', import.meta.url));
const POP3_FILE = fileURLToPath(new URL('./pop3.js', import.meta.url));

/** Writes each message into our Maildir (`shared`, the maildrop every login reads) as SMTP stores it
 *  (CRLF) and into Dovecot's as its LDA would (LF). Answers the octets of ours. */
function writeMaildirs(ours: string, theirs: string, count: number): number {
  for (const d of ['cur', 'new', 'tmp']) {
    mkdirSync(join(ours, 'shared', d), { recursive: true });
    mkdirSync(join(theirs, USER, d), { recursive: true });
  }
  const now = Math.floor(Date.now() / 1000);
  let octets = 0;
  for (let n = 1; n <= count; n++) {
    const text = makeMessage(n);
    const bytes = Buffer.from(text.replace(/\n/g, '\r\n'));
    octets += bytes.length;
    writeFileSync(join(ours, 'shared', 'cur', `B${String(n).padStart(7, '0')},U=${n}:2,`), bytes);
    const file = join(theirs, USER, 'cur', `${now - count + n}.M${n}P1.bench:2,S`);
    writeFileSync(file, text);
    // Dovecot's mail processes run as nobody.
    chownSync(file, NOBODY, NOBODY);
  }
  for (const d of ['', 'cur', 'new', 'tmp']) chownSync(join(theirs, USER, d), NOBODY, NOBODY);
  chownSync(theirs, NOBODY, NOBODY);
  return octets;
}

interface Server {
  child: ChildProcess;
  ports: Record<string, number>;
  /** Lines the server printed after its ports. */
  lines: string[];
  waiting: (() => void) | null;
}

/** What is live in the server after a full GC: JS heap and ArrayBuffers (bodies, header slabs), MiB. */
async function liveMemory(server: Server): Promise<{ heap: number; buffers: number }> {
  const seen = server.lines.length;
  server.child.kill('SIGUSR2');
  const deadline = Date.now() + 30_000;
  while (server.lines.length === seen && Date.now() < deadline)
    await new Promise<void>((resolve) => {
      server.waiting = resolve;
      setTimeout(resolve, 1_000);
    });
  const m = JSON.parse(server.lines.at(-1) ?? '{}') as { heapUsed?: number; arrayBuffers?: number };
  return { heap: (m.heapUsed ?? 0) / 1048576, buffers: (m.arrayBuffers ?? 0) / 1048576 };
}

function startServer(maildir: string, certsDir: string): Promise<Server> {
  const script = fileURLToPath(new URL('./store-server.js', import.meta.url));
  // Started with `npm start`'s Node flags: this server stands for `npm start -- --maildir`.
  const { nodeArgs, env } = cliLaunch();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      ...(process.env.BENCH_STORE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--expose-gc',
      script,
      maildir,
      certsDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let server: Server | null = null;
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!server) {
          server = { child, ports: JSON.parse(line) as Record<string, number>, lines: [], waiting: null };
          resolve(server);
        } else {
          server.lines.push(line);
          server.waiting?.();
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`store server exited with ${code}`)));
  });
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** CPU time (user + system) of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A warm-up round each (Dovecot builds its index, we read each header once), then `rounds`
 *  alternating rounds; answers ours and theirs, and our server's CPU time over the measured rounds. */
async function sideBySide<R>(
  rounds: number,
  ourPort: number,
  dovecot: Dovecot,
  pid: number,
  round: (port: number) => Promise<R>,
): Promise<{ ours: R[]; theirs: R[]; cpu: number }> {
  await round(ourPort);
  await round(dovecot.port);
  const ours: R[] = [];
  const theirs: R[] = [];
  let cpu = 0;
  for (let r = 0; r < rounds; r++) {
    const before = cpuMs(pid);
    ours.push(await round(ourPort));
    cpu += cpuMs(pid) - before;
    theirs.push(await round(dovecot.port));
  }
  return { ours, theirs, cpu };
}

export async function benchStore(): Promise<string> {
  const count = Number(process.env.BENCH_STORE_MESSAGES ?? 100_000);
  const rounds = Number(process.env.BENCH_STORE_ROUNDS ?? 2);
  if (!existsSync(DOVECOT))
    return `store benchmark skipped: ${DOVECOT} not found (apt-get install dovecot-imapd)`;
  const dir = mkdtempSync(join(tmpdir(), 'mailsandbox-store-bench-'));
  chmodSync(dir, 0o755);
  let server: Server | null = null;
  let dovecot: Dovecot | null = null;
  try {
    let t = performance.now();
    const octets = writeMaildirs(join(dir, 'ours'), join(dir, 'mail'), count);
    const writeMs = performance.now() - t;
    t = performance.now();
    server = await startServer(join(dir, 'ours'), join(dir, 'certs'));
    const startMs = performance.now() - t;
    const pid = server.child.pid!;
    const started = memory(pid);

    mkdirSync(join(dir, 'dovecot-imap'));
    dovecot = await startDovecotOn(join(dir, 'dovecot-imap'), join(dir, 'mail'), 'imap');
    const imap = await sideBySide(rounds, server.ports.imap!, dovecot, pid, (port) =>
      roundInWorker<ImapRound>(IMAP_FILE, { imapBench: true, port }),
    );
    await dovecot.stop();
    dovecot = null;
    const afterImap = memory(pid);
    const liveAfterImap = await liveMemory(server);
    const a = imap.ours[0]!;
    const b = imap.theirs[0]!;
    if (a.fetched !== count || b.fetched !== count)
      throw new Error(`fetched ${a.fetched} / dovecot ${b.fetched} of ${count}`);
    if (a.bodyOctets !== octets || b.bodyOctets !== octets)
      throw new Error(`BODY[] octets: ${a.bodyOctets} / dovecot ${b.bodyOctets} of ${octets}`);
    if (a.searchHits !== b.searchHits)
      throw new Error(`SEARCH hits differ: ${a.searchHits} vs dovecot ${b.searchHits}`);
    if (a.sorted !== b.sorted) throw new Error('UID SORT (DATE) orders differ from dovecot');
    if (a.threads !== b.threads) throw new Error(`THREAD: ${a.threads} threads vs dovecot ${b.threads}`);
    const changed = Math.ceil(count / 100);
    if (a.changed !== changed || b.changed !== changed)
      throw new Error(`FETCH CHANGEDSINCE: ${a.changed} vs dovecot ${b.changed} (expected ${changed})`);

    mkdirSync(join(dir, 'dovecot-pop3'));
    dovecot = await startDovecotOn(join(dir, 'dovecot-pop3'), join(dir, 'mail'), 'pop3', [
      'auth_mechanisms = plain',
      'pop3_no_flag_updates = yes',
    ]);
    const pop3 = await sideBySide(rounds, server.ports.pop3!, dovecot, pid, (port) =>
      roundInWorker<Pop3Round>(POP3_FILE, { pop3Bench: true, port, user: USER }),
    );
    const version = dovecot.version;
    const end = memory(pid);
    const liveAtEnd = await liveMemory(server);
    if (pop3.ours.some((r) => r.listed !== count) || pop3.theirs.some((r) => r.listed !== count))
      throw new Error('POP3: not every message listed');
    if (pop3.ours[0]!.retrievedOctets !== pop3.theirs[0]!.retrievedOctets)
      throw new Error(
        `RETR octets differ: ${pop3.ours[0]!.retrievedOctets} vs dovecot ${pop3.theirs[0]!.retrievedOctets}`,
      );

    const mib = (n: number) => `${n.toFixed(0)} MiB`;
    return [
      `store: ${count} messages (${(octets / 1024 / 1024).toFixed(0)} MiB) in a Maildir (written in ${(writeMs / 1000).toFixed(1)} s), mailsandbox --maildir in its own process against dovecot ${version} on the same files, median of ${rounds} rounds after a warm-up`,
      `mailsandbox: started in ${(startMs / 1000).toFixed(2)} s, RSS ${mib(started.rss)} after start, ${mib(afterImap.rss)} after IMAP, ${mib(end.rss)} after POP3, peak ${mib(end.peak)} (goal < 300 MiB)`,
      `live after a full GC: JS heap ${mib(liveAfterImap.heap)}, ArrayBuffers ${mib(liveAfterImap.buffers)} after IMAP; ${mib(liveAtEnd.heap)} and ${mib(liveAtEnd.buffers)} after POP3 (the transcript keeps its last ${DEFAULT_LIMITS.transcriptEvents.toLocaleString('en-US')} events, at most ${DEFAULT_LIMITS.transcriptBytes / 1048576} MiB)`,
      `server CPU per measured round: IMAP ${(imap.cpu / rounds).toFixed(0)} ms, POP3 ${(pop3.cpu / rounds).toFixed(0)} ms`,
      ...table(
        ['step', 'mailsandbox', 'dovecot', 'ratio'],
        [
          ...stepRows(IMAP_STEPS, imap.ours, imap.theirs).map(
            ([s, ...rest]) => [`IMAP ${s}`, ...rest] as string[],
          ),
          ...stepRows(POP3_STEPS, pop3.ours, pop3.theirs).map(
            ([s, ...rest]) => [`POP3 ${s}`, ...rest] as string[],
          ),
        ],
      ),
    ].join('\n');
  } finally {
    await dovecot?.stop();
    if (server) await stopChild(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchStore().then(
    (text) => console.log(text),
    (err: Error) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
