import net from 'node:net';
import tls from 'node:tls';
import { describeLiteral } from '../proxy/literal.js';
import { BODY_SUMMARY, LITERAL_SUMMARY, standIn } from './mail.js';
import type { Recording } from './read.js';

/** Waits this long for more reply lines once fewer than recorded came (a shorter reply). */
const QUIET_MS = 200;
/** At most this long for one reply. */
const REPLY_MS = 5_000;

/** Reads CRLF lines (and IMAP literals) from a socket that may be upgraded to TLS midway. */
class Wire {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closed = false;

  constructor(public socket: net.Socket) {
    this.attach(socket);
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, c]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  /** Waits until bytes arrive, the server closes, or `deadline` passes, whichever comes first. */
  private more(deadline: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, Math.max(1, deadline - Date.now()));
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  /** The next line, or null when nothing came within `ms` (or the server closed). */
  async line(ms: number): Promise<string | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.buffer.indexOf('\r\n');
      if (i >= 0) {
        const line = this.buffer.subarray(0, i).toString('utf8');
        this.buffer = this.buffer.subarray(i + 2);
        const literal = /\{(\d+)\}$/.exec(line);
        if (literal && !line.startsWith('+')) {
          // A literal is compared as the transcript shows it: its size and first line.
          const n = Number(literal[1]);
          const data = await this.bytes(n, deadline);
          if (!data) return line;
          const rest = await this.line(Math.max(1, deadline - Date.now()));
          return `${line}${describeLiteral(data.subarray(0, 200), n)}${rest ?? ''}`;
        }
        return line;
      }
      if (this.closed || Date.now() >= deadline) return null;
      await this.more(deadline);
    }
  }

  private async bytes(n: number, deadline: number): Promise<Buffer | null> {
    while (this.buffer.length < n) {
      if (this.closed || Date.now() >= deadline) return null;
      await this.more(deadline);
    }
    const data = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return data;
  }
}

/** What the recording shows the client sent, as bytes to send again (stand-ins for summarised bodies). */
function toSend(line: string): Buffer {
  const body = BODY_SUMMARY.exec(line);
  if (body) return standIn(Number(body[1]), '');
  const literal = LITERAL_SUMMARY.exec(line.replace(/ \*\*\*$/, ' ""'));
  if (literal) return standIn(Number(literal[1]), '');
  return Buffer.from(line + '\r\n');
}

const STARTTLS = /^(\S+ )?(STARTTLS|STLS)$/i;

export interface ClientReplayOptions {
  host: string;
  port: number;
  tls: 'plain' | 'implicit' | 'starttls';
  timeoutMs?: number;
}

/**
 * `mailsandbox replay --client REC --to HOST:PORT`: sends the recorded client lines to a server and
 * says, line by line, where its replies differ from the recorded ones. Returns the differences.
 */
export async function replayClient(
  rec: Recording,
  opts: ClientReplayOptions,
  out: (line: string) => void,
): Promise<number> {
  const connect = (): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      // A regression check against a server on this machine: its certificate is not checked.
      const s =
        opts.tls === 'implicit'
          ? tls.connect({ host: opts.host, port: opts.port, rejectUnauthorized: false })
          : net.connect({ host: opts.host, port: opts.port });
      s.once(opts.tls === 'implicit' ? 'secureConnect' : 'connect', () => resolve(s));
      s.once('error', reject);
    });
  // A --redact recording holds `***` where the password was: sent as it is, every login fails.
  if (rec.lines.some((l) => l.dir === 'C' && /(^| )\*\*\*( |$)/.test(l.line)))
    out('-- note: this recording was made with --redact: its passwords are *** and are sent as such');
  const wire = new Wire(await connect());
  let differences = 0;
  const groups: { sent: string[]; replies: string[] }[] = [{ sent: [], replies: [] }];
  for (const l of rec.lines) {
    const last = groups[groups.length - 1]!;
    if (l.dir === 'C' && last.replies.length) groups.push({ sent: [l.line], replies: [] });
    else if (l.dir === 'C') last.sent.push(l.line);
    else last.replies.push(l.line);
  }
  for (const group of groups) {
    for (const line of group.sent) {
      out(`C: ${line}`);
      wire.socket.write(toSend(line));
    }
    const want = group.replies;
    const got: string[] = [];
    const until = Date.now() + (opts.timeoutMs ?? REPLY_MS);
    while (Date.now() < until) {
      const line = await wire.line(got.length < want.length ? until - Date.now() : QUIET_MS);
      if (line === null) break;
      got.push(line);
      if (got.length >= want.length) {
        const more = await wire.line(QUIET_MS);
        if (more === null) break;
        got.push(more);
      }
    }
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      if (want[i] === got[i]) out(`S: ${got[i]}`);
      else {
        differences++;
        out(`!! expected: ${want[i] ?? '(nothing)'}`);
        out(`!!      got: ${got[i] ?? '(nothing)'}`);
      }
    }
    const command = group.sent[group.sent.length - 1] ?? '';
    const upgraded = STARTTLS.test(command) && /^(220|\S+ OK|\+OK)/.test(got[0] ?? '');
    if (upgraded && opts.tls === 'plain') {
      // Going on in plain text would only show every later reply as missing.
      differences++;
      out('!! the server began TLS here: run again with --tls starttls');
      break;
    }
    if (opts.tls === 'starttls' && upgraded) {
      wire.socket.removeAllListeners('data');
      const secure = tls.connect({ socket: wire.socket, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      });
      wire.attach(secure);
    }
    if (wire.closed) break;
  }
  wire.socket.destroy();
  out(differences ? `${differences} line(s) differ` : 'no differences');
  return differences;
}
