import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Limits } from '../config/limits.js';
import type { TranscriptBus } from '../transcript/bus.js';
import type { Proto, TlsMode } from '../transcript/events.js';
import { LineReader, type OverflowPhase } from './line-reader.js';
import { ReplyWriter } from './reply-writer.js';
import { SerialQueue } from './serial-queue.js';
import {
  describeHandshakeFailure,
  looksLikeTlsHandshake,
  tlsOnPlainPort,
  type PortLookup,
} from './tls-mismatch.js';
import { tlsInfo, type TlsInfo, type TlsProvider } from './tls-provider.js';

export interface CoreContext {
  bus: TranscriptBus;
  limits: Limits;
  tls: TlsProvider;
  /** The sandbox's bound ports by protocol and TLS mode, for advice to a client on the wrong one. */
  ports?: PortLookup;
}

export interface ListenerInfo {
  name: string;
  proto: Proto;
  tls: TlsMode;
  port: number;
  requireAuth: boolean;
  /** The listener forwards to a real server (src/proxy); said in the session-open event. */
  proxy?: { upstream: string; redacted: boolean };
}

/** What a line protocol (IMAP, POP3) plugs into its session. */
export interface LineHandlers {
  /** One complete line, without CRLF. Runs synchronously in framing order; queue work with `enqueue`. */
  onLine(line: Buffer): void;
  /** A line longer than the limit reached `phase` (line-reader.ts); say so in the protocol's words. */
  onOverflow(droppedBytes: number, phase: OverflowPhase): void;
  /** The client was idle, or too slow to finish a command; say goodbye (the session closes after). */
  onTimeout(kind: 'idle' | 'command'): void;
}

const counters: Record<Proto, number> = { smtp: 0, imap: 0, pop3: 0 };

/**
 * One client connection, whatever the protocol: it owns the socket, publishes every line both ways
 * on the transcript bus, upgrades to TLS in place, enforces the idle and slow-client deadlines, and
 * closes exactly once with a reason.
 */
export class Session {
  readonly sid: string;
  readonly openedAt = Date.now();
  socket: Socket;
  tls: TlsInfo | null = null;
  closed = false;
  /** Replies go out through here, recorded as they really left (reply-writer.ts). */
  readonly replies: ReplyWriter = new ReplyWriter(this);
  readonly remoteAddress: string;
  readonly remotePort: number;
  private reader: LineReader | null = null;
  private queue: SerialQueue | null = null;
  private handlers: LineHandlers | null = null;
  private commandTimer: NodeJS.Timeout | null = null;
  private closeHooks: ((reason: string) => void)[] = [];
  /** The socket error a client's reset showed up as, if it reset. */
  private peerReset: string | null = null;
  /** Why the server is ending the session (a 421, a BYE), for the close line. */
  private ending: string | null = null;
  /** A TLS handshake is running: its outcome, not the raw socket's close, ends the session. */
  tlsPending = false;
  private sawInput = false;
  /** Commands carried out outside the line reader (SMTP DATA), for a graceful shutdown to wait on. */
  private work = 0;

  constructor(
    readonly ctx: CoreContext,
    readonly listener: ListenerInfo,
    socket: Socket,
  ) {
    counters[listener.proto]++;
    this.sid = `${listener.proto}#${counters[listener.proto]}`;
    this.socket = socket;
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.bindSocket(socket);
    ctx.bus.publish({
      type: 'session-open',
      sid: this.sid,
      proto: listener.proto,
      listener: listener.name,
      localPort: listener.port,
      tls: listener.tls,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      proxy: listener.proxy,
      seq: 0,
      time: 0,
    });
  }

  get proto(): Proto {
    return this.listener.proto;
  }

  get limits(): Limits {
    return this.ctx.limits;
  }

  private bindSocket(socket: Socket): void {
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.closed) return;
      // A TLS socket the protocol built itself (smtp-server's STARTTLS) failing before it is secure.
      if (socket instanceof TLSSocket && !this.tls) {
        this.note('warn', describeHandshakeFailure(err, this.proto, false, this.portLookup));
        this.ending = 'TLS handshake failed';
        return;
      }
      // A client that resets instead of closing (many do right after QUIT / LOGOUT) is said in the
      // close line; other socket errors get a line of their own.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') this.peerReset = err.code;
      else this.note('warn', `socket error: ${err.code ?? err.message}`);
    });
    socket.once('close', () => {
      if (this.tlsPending) return;
      this.close(
        this.ending ??
          (this.peerReset
            ? `client reset the connection (${this.peerReset})`
            : 'client closed the connection'),
      );
    });
  }

  /**
   * The protocol hands over the first input it reads: a client set to implicit TLS opens a port that
   * starts in plain text with a ClientHello, and is told what it wants instead of only getting errors.
   */
  noticeFirstInput(chunk: Buffer): void {
    if (this.sawInput) return;
    this.sawInput = true;
    if (this.listener.tls !== 'implicit' && looksLikeTlsHandshake(chunk))
      this.note('warn', tlsOnPlainPort(this.proto, this.portLookup));
  }

  get portLookup(): PortLookup {
    return this.ctx.ports ?? (() => []);
  }

  /** The server is ending the session (it sent a 421, a BYE): the close line says why, not "client closed". */
  endingBecause(reason: string): void {
    this.ending ??= reason;
  }

  /** The protocol moved the session onto a new socket (smtp-server's own STARTTLS socket). */
  adoptSocket(socket: Socket): void {
    this.socket = socket;
    this.bindSocket(socket);
  }

  // ---- transcript -------------------------------------------------------------------------------

  /** `pipelined`: the line arrived while an earlier command was still running (RFC 2920, RFC 2449 §6.6). */
  client(line: string, decoded?: string, pipelined = false): void {
    const { sid, proto } = this;
    // Two literals, not a spread: each event is one object with its stamps' slots (events.ts).
    this.ctx.bus.publish(
      pipelined
        ? { type: 'client-line', sid, proto, line, decoded, pipelined, seq: 0, time: 0 }
        : { type: 'client-line', sid, proto, line, decoded, seq: 0, time: 0 },
    );
  }

  /** A command is running or waiting: a line that arrives now was sent before its reply. */
  get busy(): boolean {
    return this.queue !== null && !this.queue.idle;
  }

  server(line: string, decoded?: string): void {
    this.ctx.bus.publish({
      type: 'server-line',
      sid: this.sid,
      proto: this.proto,
      line,
      decoded,
      seq: 0,
      time: 0,
    });
  }

  note(level: 'info' | 'warn' | 'error', text: string): void {
    this.ctx.bus.publish({ type: 'note', sid: this.sid, proto: this.proto, level, text, seq: 0, time: 0 });
  }

  auth(mechanism: string, username: string, ok: boolean): void {
    this.ctx.bus.publish({ type: 'auth', sid: this.sid, proto: this.proto, mechanism, username, ok });
  }

  // ---- output -----------------------------------------------------------------------------------

  /** Writes bytes without recording them; the caller records a summary (message bodies). */
  write(data: string | Buffer): void {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(data);
  }

  /** Waits while the socket's buffer is full, so a big reply streams instead of piling up in memory. */
  async drained(): Promise<void> {
    const socket = this.socket;
    if (!socket.writableNeedDrain || socket.destroyed || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** Ends the session after what was written is flushed. */
  close(reason: string): void {
    if (!this.markClosed(reason)) return;
    if (!this.socket.destroyed) {
      this.socket.end();
      // A client that never reads must not keep the socket half-open for ever.
      setTimeout(() => this.socket.destroy(), 2_000).unref();
    }
  }

  /** Records the end of the session once; false when it had ended already. */
  private markClosed(reason: string): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.clearCommandTimer();
    this.queue?.stop();
    this.reader?.discard();
    this.ctx.bus.publish({
      type: 'session-close',
      sid: this.sid,
      proto: this.proto,
      reason,
      durationMs: Date.now() - this.openedAt,
      seq: 0,
      time: 0,
    });
    for (const hook of this.closeHooks) hook(reason);
    return true;
  }

  /** Cuts the connection at once (RST where the platform allows), without a goodbye. */
  reset(reason: string): void {
    this.markClosed(reason);
    // A socket already ended (close() said goodbye, the sandbox shuts down before the client left) is
    // only destroyed: resetAndDestroy() after end() fails with EINVAL on Node 20 and leaves the handle
    // polling, which spun the event loop at exit (the tests' old settle helpers waited it out).
    if (this.socket.writableEnded || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    try {
      this.socket.resetAndDestroy();
    } catch {
      // TLS sockets cannot send an RST themselves (ERR_INVALID_HANDLE_TYPE); a plain close will do.
      this.socket.destroy();
    }
  }

  // ---- shutdown (core/shutdown.ts) ---------------------------------------------------------------

  /** A command runs outside the line reader (SMTP DATA): a shutdown waits for it. Call the result when done. */
  beginWork(): () => void {
    this.work++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.work--;
    };
  }

  /** A command is under way: arriving (a partial line, a literal) or being carried out. */
  get inCommand(): boolean {
    return this.work > 0 || !!this.reader?.midCommand || this.busy;
  }

  /** Says `line` (a 421, a BYE, an -ERR) and closes: the goodbye of a shutdown or of a full listener. */
  goodbye(line: string, reason: string): void {
    if (this.closed) return;
    this.server(line);
    this.write(line + '\r\n');
    this.endingBecause(reason);
    this.close(reason);
  }

  onClose(hook: (reason: string) => void): void {
    this.closeHooks.push(hook);
  }

  // ---- line protocols ---------------------------------------------------------------------------

  /** Starts framing input into lines for IMAP and POP3, with the idle and slow-client deadlines. */
  readLines(handlers: LineHandlers): void {
    this.handlers = handlers;
    this.reader = new LineReader({
      maxLineBytes: this.limits.maxLineBytes,
      onLine: (line) => handlers.onLine(line),
      onOverflow: (n, phase) => handlers.onOverflow(n, phase),
    });
    this.queue = new SerialQueue(
      this.limits.maxQueuedCommands,
      () => this.socket.pause(),
      () => this.socket.resume(),
      (err) => {
        this.note('error', `internal error: ${(err as Error).stack ?? String(err)}`);
      },
    );
    this.attachReader(this.socket);
  }

  get lineReader(): LineReader {
    if (!this.reader) throw new Error('readLines() first');
    return this.reader;
  }

  /** Runs `task` after every command queued before it has finished. */
  enqueue(task: () => Promise<void> | void): void {
    this.queue?.push(task);
  }

  private attachReader(socket: Socket): void {
    socket.setTimeout(this.limits.idleTimeoutMs, () => this.timeout('idle'));
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.noticeFirstInput(chunk);
      this.reader!.push(chunk);
      if (this.reader!.midCommand) {
        this.commandTimer ??= setTimeout(() => this.timeout('command'), this.limits.commandTimeoutMs);
      } else this.clearCommandTimer();
    });
  }

  private clearCommandTimer(): void {
    if (this.commandTimer) clearTimeout(this.commandTimer);
    this.commandTimer = null;
  }

  private timeout(kind: 'idle' | 'command'): void {
    if (this.closed) return;
    const text =
      kind === 'idle'
        ? `timed out: no data from the client for ${this.limits.idleTimeoutMs} ms`
        : `timed out: the client took more than ${this.limits.commandTimeoutMs} ms to send one command`;
    this.note('warn', text);
    this.handlers?.onTimeout(kind);
    this.close(text);
  }

  /**
   * STARTTLS for line protocols (RFC 3207 §4.2, RFC 2595 §3.1): anything the client pipelined after
   * the command is discarded, then the same session continues over TLS.
   */
  async startTls(): Promise<boolean> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.setTimeout(0);
    this.reader?.discard();
    this.queue?.clear();
    this.clearCommandTimer();
    this.tlsPending = true;
    try {
      const secure = await this.ctx.tls.upgrade(raw, this.limits.tlsHandshakeTimeoutMs);
      this.tlsPending = false;
      this.adoptSocket(secure);
      this.markSecure('starttls', secure);
      if (this.reader) this.attachReader(secure);
      return true;
    } catch (err) {
      this.tlsPending = false;
      this.note('warn', describeHandshakeFailure(err as Error, this.proto, false, this.portLookup));
      this.close('TLS handshake failed');
      return false;
    }
  }

  markSecure(how: 'implicit' | 'starttls', socket: import('node:tls').TLSSocket): void {
    this.tls = tlsInfo(socket);
    const certificate = this.ctx.tls.material.oddKind;
    this.ctx.bus.publish({
      type: 'tls-upgraded',
      sid: this.sid,
      proto: this.proto,
      how,
      ...this.tls,
      certificate,
    });
  }
}
