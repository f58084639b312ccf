/**
 * IMAP over a 10,000-message mailbox (issue 3), against mailsandbox and, in the same run, a private
 * Dovecot (Debian `dovecot-imapd`) on loopback with its own config, Maildir and port:
 *   1. LOGIN + SELECT + `FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)`
 *   2. `UID FETCH 1:* BODY.PEEK[]`
 *   3. `UID SEARCH HEADER Subject x`
 *   4. `UID SORT (DATE) UTF-8 ALL` (issue 14; both servers must give the same order)
 *   5. `UID THREAD REFERENCES UTF-8 ALL` (every third message answers the one before it)
 *   6. `STORE … +FLAGS.SILENT (keyword)`: a new keyword on every 100th message (1% of them), after
 *      `STATUS (HIGHESTMODSEQ)` gave `m` (not timed)
 *   7. `FETCH 1:* (FLAGS) (CHANGEDSINCE m)` (issue 14, RFC 7162): the 1% just changed
 * Messages are 2–5 KiB, every fifth multipart with an attachment. The client runs in a worker thread
 * so its parsing does not count against the sandbox's event loop, and checks both servers sent the
 * same number of messages and body octets.
 *
 * `node dist/bench/imap.js` runs it alone; BENCH_IMAP_MESSAGES and BENCH_IMAP_ROUNDS change the size.
 */
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';
import { againstDovecot, DOVECOT } from './dovecot.js';
import { reportRound, roundInWorker, stepRows, table } from './support.js';

export const STEPS = [
  'LOGIN+SELECT+FETCH meta',
  'UID FETCH BODY.PEEK[]',
  'UID SEARCH HEADER',
  'UID SORT (DATE) ALL',
  'UID THREAD REFERENCES',
  'STORE +FLAGS on 1%',
  'FETCH FLAGS CHANGEDSINCE',
] as const;
export type Step = (typeof STEPS)[number];

export interface RoundResult {
  ms: Record<Step, number>;
  fetched: number;
  bodyOctets: number;
  searchHits: number;
  sorted: string;
  threads: number;
  /** Messages FETCH CHANGEDSINCE reported. */
  changed: number;
}

/** A deterministic message of 2–5 KiB; every fifth is multipart/mixed with a base64 attachment. */
export function makeMessage(n: number): string {
  const head = [
    `From: "Sender ${n % 97}" <sender${n % 97}@example.test>`,
    `To: bench@example.test, "Other ${n % 13}" <other${n % 13}@example.test>`,
    `Subject: ${n % 10 === 0 ? 'x marks ' : ''}benchmark message ${n}`,
    `Date: Sat, 28 Nov 2026 08:${String(n % 60).padStart(2, '0')}:00 +0000`,
    `Message-ID: <bench-${n}@mailsandbox.test>`,
    ...(n % 3 === 0 ? [`References: <bench-${n - 1}@mailsandbox.test>`] : []),
    'MIME-Version: 1.0',
  ];
  const target = 2048 + ((n * 7919) % 3072);
  const text: string[] = [];
  for (let i = 0; text.join('\n').length < target - 600; i++)
    text.push(`line ${i} of message ${n} `.padEnd(72, String.fromCharCode(97 + ((n + i) % 26))));
  if (n % 5 !== 0) return [...head, 'Content-Type: text/plain; charset=us-ascii', '', ...text, ''].join('\n');
  const attachment = Buffer.alloc(300, n % 256)
    .toString('base64')
    .match(/.{1,76}/g)!;
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b-' + n + '"',
    '',
    `--b-${n}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...text,
    `--b-${n}`,
    `Content-Type: application/octet-stream; name="file-${n}.bin"`,
    `Content-Disposition: attachment; filename="file-${n}.bin"`,
    'Content-Transfer-Encoding: base64',
    '',
    ...attachment,
    `--b-${n}--`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The client (worker thread): reads responses, skipping literals by their announced size.

class ImapReader {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.wake?.();
    });
  }

  static open(port: number): Promise<ImapReader> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () =>
        resolve(new ImapReader(socket)),
      );
      socket.once('error', reject);
    });
  }

  private async more(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('IMAP bench: no data for 60 s')), 60_000);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Reads up to the tagged reply; counts untagged responses and literal octets. */
  async command(tag: string, line: string): Promise<{ untagged: string[]; literalOctets: number }> {
    this.socket.write(`${tag} ${line}\r\n`);
    const untagged: string[] = [];
    let literalOctets = 0;
    let pos = 0;
    let current = '';
    for (;;) {
      const lf = this.buf.indexOf(10, pos);
      if (lf < 0) {
        this.buf = this.buf.subarray(pos);
        pos = 0;
        await this.more();
        continue;
      }
      const text = this.buf.toString('latin1', pos, lf - 1);
      pos = lf + 1;
      const literal = /\{(\d+)\}$/.exec(text);
      current += text;
      if (literal) {
        const size = Number(literal[1]);
        while (this.buf.length - pos < size) {
          this.buf = this.buf.subarray(pos);
          pos = 0;
          await this.more();
        }
        pos += size;
        literalOctets += size;
        continue;
      }
      if (current.startsWith(`${tag} `)) {
        this.buf = this.buf.subarray(pos);
        if (!current.startsWith(`${tag} OK`)) throw new Error(`IMAP bench: ${line} → ${current}`);
        return { untagged, literalOctets };
      }
      untagged.push(current);
      current = '';
    }
  }

  async greeting(): Promise<void> {
    while (this.buf.indexOf(10) < 0) await this.more();
    this.buf = this.buf.subarray(this.buf.indexOf(10) + 1);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One round of every step; without `changes` the last two (a STORE on every 100th message, then
 *  FETCH CHANGEDSINCE) are left out and reported as 0 ms, 0 changed. */
async function clientRound(port: number, changes = true): Promise<RoundResult> {
  const ms = {} as Record<Step, number>;
  let t = performance.now();
  const lap = (step: Step) => {
    const now = performance.now();
    ms[step] = now - t;
    t = now;
  };
  const client = await ImapReader.open(port);
  await client.greeting();
  await client.command('a', 'LOGIN bench bench');
  await client.command('b', 'SELECT INBOX');
  const meta = await client.command(
    'c',
    'FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)',
  );
  lap('LOGIN+SELECT+FETCH meta');
  const bodies = await client.command('d', 'UID FETCH 1:* BODY.PEEK[]');
  lap('UID FETCH BODY.PEEK[]');
  const search = await client.command('e', 'UID SEARCH HEADER Subject x');
  lap('UID SEARCH HEADER');
  const sort = await client.command('g', 'UID SORT (DATE) UTF-8 ALL');
  lap('UID SORT (DATE) ALL');
  const thread = await client.command('h', 'UID THREAD REFERENCES UTF-8 ALL');
  lap('UID THREAD REFERENCES');
  if (!changes) {
    ms['STORE +FLAGS on 1%'] = 0;
    ms['FETCH FLAGS CHANGEDSINCE'] = 0;
    await client.command('f', 'LOGOUT').catch(() => undefined);
    client.close();
    return summary(meta, bodies, search, sort, thread, ms, 0);
  }
  const status = await client.command('i', 'STATUS INBOX (HIGHESTMODSEQ)');
  const since = /HIGHESTMODSEQ (\d+)/.exec(status.untagged.join(' '))![1]!;
  const every100 = Array.from({ length: Math.ceil(fetched0(meta) / 100) }, (_, i) => i * 100 + 1).join(',');
  // A keyword new in each round, so each round has changes to find.
  t = performance.now();
  await client.command('j', `STORE ${every100} +FLAGS.SILENT (round${Date.now().toString(36)})`);
  lap('STORE +FLAGS on 1%');
  const changed = await client.command('k', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${since})`);
  lap('FETCH FLAGS CHANGEDSINCE');
  await client.command('f', 'LOGOUT').catch(() => undefined);
  client.close();
  return summary(
    meta,
    bodies,
    search,
    sort,
    thread,
    ms,
    changed.untagged.filter((l) => / FETCH /.test(l)).length,
  );
}

type Reply = { untagged: string[]; literalOctets: number };

function summary(
  meta: Reply,
  bodies: Reply,
  search: Reply,
  sort: Reply,
  thread: Reply,
  ms: Record<Step, number>,
  changed: number,
): RoundResult {
  const hits = search.untagged.find((l) => l.startsWith('* SEARCH'))!.split(' ').length - 2;
  const fetched = meta.untagged.filter((l) => / FETCH /.test(l)).length;
  if (bodies.untagged.filter((l) => / FETCH /.test(l)).length !== fetched)
    throw new Error('IMAP bench: FETCH counts differ');
  const sorted = sort.untagged.find((l) => l.startsWith('* SORT'))!;
  // Top-level threads: `(` at depth 0 of the THREAD response.
  let threads = 0;
  let depth = 0;
  for (const ch of thread.untagged.find((l) => l.startsWith('* THREAD'))!)
    if (ch === '(' && depth++ === 0) threads++;
    else if (ch === ')') depth--;
  return {
    ms,
    fetched,
    bodyOctets: bodies.literalOctets,
    searchHits: hits,
    sorted,
    threads,
    changed,
  };
}

function fetched0(meta: { untagged: string[] }): number {
  return meta.untagged.filter((l) => / FETCH /.test(l)).length;
}

if (!isMainThread && (workerData as { imapBench?: boolean } | null)?.imapBench) {
  const { port, changes } = workerData as { port: number; changes?: boolean };
  reportRound(clientRound(port, changes ?? true));
}

/** The IMAP benchmark; returns the printed table (time per step and the ratio to Dovecot). */
export async function benchImap(): Promise<string> {
  const count = Number(process.env.BENCH_IMAP_MESSAGES ?? 10_000);
  const rounds = Number(process.env.BENCH_IMAP_ROUNDS ?? 3);
  if (!existsSync(DOVECOT))
    return `IMAP benchmark skipped: ${DOVECOT} not found (apt-get install dovecot-imapd)`;
  const messages = Array.from({ length: count }, (_, i) => makeMessage(i + 1));
  const { ours, theirs } = await againstDovecot({
    protocol: 'imap',
    messages,
    user: 'bench',
    rounds,
    round: (port) => roundInWorker<RoundResult>(fileURLToPath(import.meta.url), { imapBench: true, port }),
  });
  const a = ours[0]!;
  const b = theirs[0]!;
  if (a.fetched !== count || b.fetched !== count)
    throw new Error(`fetched ${a.fetched} / dovecot ${b.fetched} of ${count}`);
  if (a.bodyOctets !== b.bodyOctets)
    throw new Error(`BODY[] octets differ: ${a.bodyOctets} vs dovecot ${b.bodyOctets}`);
  if (a.searchHits !== b.searchHits)
    throw new Error(`SEARCH hits differ: ${a.searchHits} vs dovecot ${b.searchHits}`);
  if (a.sorted !== b.sorted) throw new Error('UID SORT (DATE) orders differ from dovecot');
  const expectChanged = Math.ceil(count / 100);
  if (a.changed !== expectChanged || b.changed !== expectChanged)
    throw new Error(`FETCH CHANGEDSINCE: ${a.changed} vs dovecot ${b.changed} (expected ${expectChanged})`);
  if (a.threads !== b.threads)
    throw new Error(`THREAD REFERENCES: ${a.threads} threads vs dovecot ${b.threads}`);
  return [
    `IMAP: ${count} messages (${(a.bodyOctets / 1024 / 1024).toFixed(1)} MiB), ${a.searchHits} search hits, ${a.threads} threads, ${a.changed} changed since, median of ${rounds} rounds`,
    '(client in a worker thread; ratio = mailsandbox / dovecot)',
    ...table(['step', 'mailsandbox', 'dovecot', 'ratio'], stepRows(STEPS, ours, theirs)),
  ].join('\n');
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  benchImap().then(
    (table) => console.log(table),
    (err: Error) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
