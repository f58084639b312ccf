import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { mulberry32 } from '../../src/scenario/random.js';
import { startTestSandbox } from '../helpers/sandbox.js';

/**
 * Seeded multi-session stress (issue 14): 8 sessions on one mailbox doing STORE, EXPUNGE, APPEND, MOVE,
 * COPY, FETCH and NOOP at once for a bounded time, each checking what it is told against RFC 3501 §7.4.1
 * and RFC 7162: EXISTS never goes down without EXPUNGE/VANISHED, no EXPUNGE or FETCH for a sequence
 * number the session does not have, MODSEQ of a message never goes back, every keyword announced in
 * `* FLAGS` before a FETCH carries it. STRESS_SEED and STRESS_MS change the run.
 */

const SEED = Number(process.env.STRESS_SEED ?? 1414);
const RUN_MS = Number(process.env.STRESS_MS ?? 12_000);
const SESSIONS = 8;
const MAX_COMMANDS = 2_000;

function countSet(set: string): number {
  let n = 0;
  for (const range of set.split(',')) {
    const [a, b] = range.split(':').map(Number) as [number, number | undefined];
    n += b === undefined ? 1 : Math.abs(b - a) + 1;
  }
  return n;
}

const SYSTEM = new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent']);

/** One checking client: it reads every untagged response and keeps the session's picture. */
class Checker {
  private buffer = '';
  private waiting: { tag: string; resolve: (line: string) => void } | null = null;
  known = 0;
  announced = new Set<string>();
  private modseqs = new Map<number, number>();
  readonly violations: string[] = [];
  commands = 0;

  constructor(
    readonly name: string,
    private readonly socket: net.Socket,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let at: number;
      while ((at = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 2);
        this.line(line);
      }
    });
  }

  private violation(text: string, line: string): void {
    if (this.violations.length < 20) this.violations.push(`${this.name}: ${text}: ${line}`);
  }

  private line(line: string): void {
    let m: RegExpExecArray | null;
    if (this.waiting && line.startsWith(this.waiting.tag + ' ')) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve(line);
    } else if ((m = /^\* FLAGS \((.*)\)$/.exec(line))) {
      this.announced = new Set(m[1]!.split(' ').filter(Boolean));
    } else if ((m = /^\* (\d+) EXISTS$/.exec(line))) {
      const n = Number(m[1]);
      if (n < this.known) this.violation(`EXISTS went down from ${this.known} without EXPUNGE`, line);
      this.known = n;
    } else if ((m = /^\* (\d+) EXPUNGE$/.exec(line))) {
      const n = Number(m[1]);
      if (n < 1 || n > this.known)
        this.violation(`EXPUNGE of a number the session does not have (${this.known})`, line);
      this.known--;
    } else if ((m = /^\* VANISHED (\S+)$/.exec(line))) {
      this.known -= countSet(m[1]!);
      if (this.known < 0) this.violation('VANISHED more messages than the session has', line);
    } else if ((m = /^\* (\d+) FETCH \((.*)\)$/.exec(line))) {
      const n = Number(m[1]);
      if (n < 1 || n > this.known)
        this.violation(`FETCH for a number the session does not have (${this.known})`, line);
      const flags = /FLAGS \(([^)]*)\)/.exec(m[2]!)?.[1];
      for (const flag of flags?.split(' ').filter(Boolean) ?? [])
        if (!SYSTEM.has(flag) && !this.announced.has(flag))
          this.violation(`keyword ${flag} not announced in FLAGS`, line);
      const uid = Number(/UID (\d+)/.exec(m[2]!)?.[1] ?? 0);
      const modseq = Number(/MODSEQ \((\d+)\)/.exec(m[2]!)?.[1] ?? 0);
      if (uid && modseq) {
        const before = this.modseqs.get(uid) ?? 0;
        if (modseq < before) this.violation(`MODSEQ of UID ${uid} went back from ${before}`, line);
        this.modseqs.set(uid, modseq);
      }
    }
  }

  command(tag: string, text: string): Promise<string> {
    this.commands++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no reply to ${tag} ${text.slice(0, 60)}`)),
        10_000,
      );
      this.waiting = {
        tag,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

async function open(sb: Sandbox, name: string): Promise<Checker> {
  const socket = net.connect({ host: '127.0.0.1', port: sb.ports.imap! });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const c = new Checker(name, socket);
  await c.command('l', 'LOGIN test testpass');
  return c;
}

async function work(c: Checker, rnd: () => number, deadline: number): Promise<void> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const seq = (): number => 1 + Math.floor(rnd() * c.known);
  let i = 0;
  while (Date.now() < deadline && i < MAX_COMMANDS) {
    const tag = `t${++i}`;
    const op = pick([
      'store',
      'store',
      'store',
      'expunge',
      'append',
      'append',
      'move',
      'copy',
      'fetch',
      'noop',
    ] as const);
    if (c.known === 0 && op !== 'append' && op !== 'noop') continue;
    switch (op) {
      case 'store': {
        const flag = pick([
          '\\Seen',
          '\\Flagged',
          '\\Deleted',
          '$Label1',
          '$Label2',
          `kw${Math.floor(rnd() * 30)}`,
        ]);
        await c.command(tag, `STORE ${seq()} ${pick(['+', '-', '+'])}FLAGS (${flag})`);
        break;
      }
      case 'expunge':
        await c.command(tag, 'EXPUNGE');
        break;
      case 'append': {
        const body = `Subject: ${c.name} ${i}\r\n\r\nstress\r\n`;
        await c.command(
          tag,
          `APPEND INBOX (${pick(['', '\\Seen', '$Label3', `new${i % 7}`])}) {${body.length}+}\r\n${body}`,
        );
        break;
      }
      case 'move':
        await c.command(tag, `MOVE ${seq()} ${pick(['Trash', 'INBOX'])}`);
        break;
      case 'copy': {
        // A few messages at a time: copying a range to the end into INBOX would double the mailbox
        // with each COPY, and a quiet machine would then grow it past memory within the run.
        const first = seq();
        await c.command(tag, `COPY ${first}:${Math.min(first + 2, c.known)} ${pick(['INBOX', 'Archive'])}`);
        break;
      }
      case 'fetch':
        await c.command(tag, `FETCH 1:* (UID FLAGS)`);
        break;
      case 'noop':
        await c.command(tag, 'NOOP');
        break;
    }
  }
}

describe('IMAP: eight sessions on one mailbox at once', () => {
  const sandboxes: Sandbox[] = [];
  const checkers: Checker[] = [];
  after(async () => {
    for (const c of checkers) c.close();
    await Promise.all(sandboxes.map((s) => s.close()));
  });

  it(`keeps every session's view consistent (seed ${SEED})`, { timeout: RUN_MS + 60_000 }, async () => {
    const sb = await startTestSandbox({ listeners: ['imap'], users: { test: 'testpass' } });
    sandboxes.push(sb);
    const drop = sb.store.maildropFor('test');
    await sb.store.createFolder(drop, 'Archive');
    for (let i = 1; i <= 20; i++)
      await sb.store.append(drop, 'INBOX', Buffer.from(`Subject: seed ${i}\r\n\r\nx\r\n`));
    for (let s = 0; s < SESSIONS; s++) {
      const c = await open(sb, `s${s}`);
      checkers.push(c);
      if (s < 2) await c.command('e', 'ENABLE QRESYNC');
      else if (s < 5) await c.command('e', 'ENABLE CONDSTORE');
      await c.command('s', 'SELECT INBOX');
    }
    const deadline = Date.now() + RUN_MS;
    await Promise.all(checkers.map((c, s) => work(c, mulberry32(SEED * 31 + s), deadline)));
    // Everyone catches up, then each picture must match the mailbox.
    for (const c of checkers) await c.command('n', 'NOOP');
    const inbox = (await sb.store.folder(drop, 'INBOX'))!;
    const violations = checkers.flatMap((c) => c.violations);
    assert.deepEqual(violations, [], `seed ${SEED}`);
    for (const c of checkers)
      assert.equal(c.known, inbox.messages.length, `${c.name} counts the mailbox's messages`);
    const modseqs = inbox.messages.map((m) => m.modseq);
    assert.ok(modseqs.every((m) => m <= inbox.highestModseq));
    const total = checkers.reduce((n, c) => n + c.commands, 0);
    assert.ok(total > SESSIONS * 20, `only ${total} commands ran`);
  });
});
