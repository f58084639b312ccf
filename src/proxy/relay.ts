import type net from 'node:net';
import { LineReader } from '../core/line-reader.js';
import type { Session } from '../core/session.js';
import type { ScenarioEngine } from '../scenario/engine.js';
import type { DecisionContext } from '../scenario/engine.js';
import type { Point } from '../scenario/schema.js';
import type { Verdict } from '../scenario/verdicts.js';
import { SASL_RESPONSE } from '../replay/exchanges.js';
import type { SaslWatch } from './auth-view.js';
import { playInProxy, type Render } from './play.js';
import { connectUpstream, describeUpstream, describeUpstreamError, upstreamTls } from './upstream.js';
import type { UpstreamSpec, UpstreamTls } from './upstream.js';

/** What every proxied session of one listener shares. */
export interface RelayOptions {
  upstream: UpstreamSpec;
  tls: UpstreamTls;
  /** `--redact`: passwords and tokens become *** in every transcript consumer. */
  redact: boolean;
  transcriptBodies: boolean;
  maxLineBytes: number;
  /** How long the upstream may stay silent before its greeting (then the client gets its goodbye). */
  greetingTimeoutMs: number;
  /** Read per session: the library API may switch scenario while running. */
  engine: () => ScenarioEngine;
  /** What the first note says the session is (default: `proxy to HOST:PORT (…)`). */
  label?: string;
  /** Replay: the recorded reply for a command, played instead of the upstream's (null: none). */
  recorded?: (command: string, args: string) => string[] | null;
}

/**
 * One proxied session, protocol-neutral part: the upstream leg (connect, TLS, line framing with
 * literals), both legs upgraded together on STARTTLS / STLS, the client's goodbye when the upstream
 * fails, and the question to the scenario engine. SMTP, IMAP and POP3 add only their framing
 * (smtp-relay.ts, imap-relay.ts, pop3-relay.ts). Lines pass through as they came, CRLF-terminated.
 */
export abstract class Relay {
  protected up: net.Socket | null = null;
  protected upReader: LineReader;
  /** Lines for the upstream held until it is ready: connecting, or in its STARTTLS handshake. */
  private upHeld: Buffer[] | null = [];
  private heldBytes = 0;
  protected ended = false;
  private readonly noted = new Set<string>();

  constructor(
    protected readonly session: Session,
    protected readonly options: RelayOptions,
  ) {
    this.upReader = this.makeUpReader();
    session.onClose(() => this.endUpstream());
  }

  /** The protocol's goodbye when the upstream cannot be used: 421, `* BYE`, `-ERR`. */
  protected abstract goodbye(reason: string): string;
  /** One line from the client, in framing order (synchronous; queue slow work with `session.enqueue`). */
  protected abstract clientLine(line: Buffer): void;
  /** One line from the upstream. */
  protected abstract upstreamLine(line: Buffer): void;

  async start(): Promise<void> {
    const s = this.session;
    // A proxy's session-open line names its upstream; a replay says what it plays.
    if (this.options.label) s.note('info', this.options.label);
    if (s.listener.tls === 'implicit' && this.options.upstream.tls === 'starttls' && !this.options.label)
      s.note(
        'warn',
        `the upstream leg is plain text: a client on implicit TLS never asks for STARTTLS; forward ${s.listener.name} to the upstream's implicit-TLS port (465, 993, 995)`,
      );
    s.readLines({
      onLine: (line) => this.clientLine(line),
      onOverflow: (bytes, phase) => {
        if (phase !== 'started')
          s.note('warn', `client sent a line of ${bytes} bytes, over the limit: dropped`);
      },
      onTimeout: () => this.endUpstream(),
    });
    try {
      const up = await connectUpstream(this.options.upstream, this.options.tls);
      if (s.closed) return void up.destroy();
      this.attachUpstream(up);
      this.releaseHeld();
      // An upstream that accepts and never speaks (a wrong port, a stuck server) must not hang the client.
      const ms = this.options.greetingTimeoutMs;
      const timer = setTimeout(() => this.fail(`upstream sent no greeting within ${ms} ms`), ms);
      up.once('data', () => clearTimeout(timer));
      s.onClose(() => clearTimeout(timer));
      if (this.options.upstream.tls === 'implicit')
        this.noteTls(up as import('node:tls').TLSSocket, 'implicit');
    } catch (err) {
      this.fail(
        `upstream ${describeUpstream(this.options.upstream)} unreachable: ${describeUpstreamError(err as Error)}`,
      );
    }
  }

  private makeUpReader(): LineReader {
    return new LineReader({
      maxLineBytes: this.options.maxLineBytes,
      onLine: (line) => this.upstreamLine(line),
      onOverflow: (bytes, phase) => {
        if (phase === 'ended')
          this.session.note('warn', `upstream sent a line of ${bytes} bytes, over the limit: dropped`);
      },
    });
  }

  private attachUpstream(up: net.Socket): void {
    this.up = up;
    up.on('data', (chunk: Buffer) => this.upReader.push(chunk));
    up.on('error', () => {});
    up.once('close', () => {
      if (this.up !== up || this.ended) return;
      this.ended = true;
      this.session.close('upstream closed the connection');
    });
  }

  /** Gives up on the upstream: a transcript line saying why, the client's goodbye, then close. */
  protected fail(reason: string): void {
    if (this.session.closed) return;
    this.session.note('error', reason);
    this.writeDown(this.goodbye(reason));
    this.session.endingBecause(reason);
    this.endUpstream();
    this.session.close(reason);
  }

  private endUpstream(): void {
    this.ended = true;
    const up = this.up;
    if (up && !up.destroyed) {
      up.end();
      setTimeout(() => up.destroy(), 1_000).unref();
    }
  }

  // ---- writing ----------------------------------------------------------------------------------

  /** A line to the upstream, CRLF added; held back while the upstream's TLS handshake runs. */
  protected writeUp(data: string | Buffer, crlf = true): void {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    const out = crlf ? Buffer.concat([bytes, Buffer.from('\r\n')]) : bytes;
    if (this.upHeld) {
      this.upHeld.push(out);
      this.heldBytes += out.length;
      if (this.heldBytes > this.options.maxLineBytes)
        this.fail(`client sent over ${this.options.maxLineBytes} bytes before the upstream was ready`);
      return;
    }
    const up = this.up;
    if (!up || up.destroyed) return;
    // Backpressure: a slow upstream holds the client's input instead of buffering it here.
    if (!up.write(out)) {
      const client = this.session.socket;
      client.pause();
      up.once('drain', () => client.resume());
    }
  }

  /** The upstream is ready: what the client sent meanwhile goes out, in order. */
  private releaseHeld(): void {
    const held = this.upHeld ?? [];
    this.upHeld = null;
    for (const b of held) this.up?.write(b);
  }

  /** Backpressure the other way: a client that reads slowly holds the upstream's output (a big FETCH). */
  private flowDown(): void {
    const up = this.up;
    if (!up || !this.session.socket.writableNeedDrain || up.isPaused()) return;
    up.pause();
    this.session.socket.once('drain', () => up.resume());
  }

  /** A line to the client, recorded as a server line. */
  protected writeDown(line: string, decoded?: string): void {
    // The session's reply writer records the line as far as a scenario's cut lets it out.
    this.session.replies.line(line, decoded);
    this.flowDown();
  }

  /** Bytes to the client that the caller records as a summary (literals, message bodies). */
  protected writeDownRaw(data: Buffer): void {
    this.session.write(data);
    this.flowDown();
  }

  /**
   * One SASL response line from the client (RFC 4422 §3: the step after a `334` / `+ ` challenge) in
   * SMTP and POP3: shown decoded with secrets redacted, sent upstream. Returns the reply a replay
   * recorded for it, if any.
   */
  protected saslResponse(sasl: SaslWatch, raw: Buffer): string[] | undefined {
    const shown = sasl.payload(raw.toString('utf8'));
    this.session.client(shown.line, shown.decoded);
    this.writeUp(raw);
    return this.options.recorded?.(SASL_RESPONSE, '') ?? undefined;
  }

  /** A note said once per session (a capability removed on every EHLO is said once). */
  protected noteOnce(key: string, text: string): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.session.note('info', text);
  }

  // ---- STARTTLS ---------------------------------------------------------------------------------

  /**
   * The client's listener starts in plain text but the upstream speaks implicit TLS (993 behind a local
   * 143): the upstream cannot be asked for STARTTLS, so the proxy offers it itself and upgrades only the
   * client's leg (the upstream's is encrypted from the start).
   */
  protected get offersTlsItself(): boolean {
    return (
      this.session.listener.tls === 'starttls' &&
      this.options.upstream.tls === 'implicit' &&
      !this.session.tls
    );
  }

  /** Says once that the proxy added STARTTLS / STLS to the upstream's capabilities. */
  protected noteOwnStartTls(word: string): void {
    this.noteOnce(
      'own-starttls',
      `proxy added ${word} to the upstream's capabilities and answers it itself: the upstream speaks implicit TLS (port ${this.options.upstream.port}), so only the client's leg upgrades`,
    );
  }

  /** STARTTLS answered by the proxy (see `offersTlsItself`): the client's leg upgrades, the upstream's stays. */
  protected upgradeClientOnly(): void {
    void this.session.startTls();
  }

  /**
   * The upstream accepted STARTTLS / STLS and its reply is on its way to the client: both legs upgrade
   * (RFC 3207 §4.2, RFC 2595 §3.1: nothing sent before the handshake is kept). What the client sends
   * once its leg is secure waits until the upstream's leg is too.
   */
  protected upgradeBoth(): void {
    const up = this.up;
    if (!up) return;
    up.removeAllListeners('data');
    up.removeAllListeners('close');
    this.upReader.discard();
    this.upReader = this.makeUpReader();
    this.upHeld = [];
    this.heldBytes = 0;
    const upstream = upstreamTls(up, this.options.upstream, this.options.tls);
    // Awaited once the client's leg is secure; it may fail before that.
    upstream.catch(() => {});
    void this.session.startTls().then(async (clientOk) => {
      try {
        const secure = await upstream;
        if (!clientOk) return void secure.destroy();
        this.attachUpstream(secure);
        this.noteTls(secure, 'starttls');
        this.releaseHeld();
      } catch (err) {
        if (!clientOk) return;
        this.fail(`TLS with the upstream failed: ${describeUpstreamError(err as Error)}`);
      }
    });
  }

  private noteTls(socket: import('node:tls').TLSSocket, how: 'implicit' | 'starttls'): void {
    const cert = socket.getPeerCertificate();
    const verified = this.options.tls.insecure ? 'NOT verified (--upstream-insecure)' : 'verified';
    this.session.note(
      'info',
      `upstream TLS ${how === 'implicit' ? 'established' : 'upgraded (STARTTLS)'}: ${socket.getProtocol() ?? '?'} ${socket.getCipher()?.name ?? '?'}, certificate ${cert?.subject?.CN ?? '?'} ${verified}`,
    );
  }

  // ---- scenario ---------------------------------------------------------------------------------

  /**
   * The scenario's `connect` and `greeting` points, played before the upstream is reached: a rule's
   * reply is said by the proxy itself (SMTP, POP3). False when the session stopped or closed there.
   */
  protected async playOpening(render: Render): Promise<boolean> {
    for (const point of ['connect', 'greeting'] as const) {
      const played = await playInProxy(this.decide(point), this.session, render);
      if (played.kind === 'stop') return false;
      if (played.kind === 'local') {
        for (const line of played.lines) this.writeDown(line);
        if (played.close) {
          this.session.close(`scenario: ${played.lines[0]}`);
          return false;
        }
      }
    }
    return true;
  }

  /** Asks the running scenario at `point`, as the protocols do (verdict published by the engine). */
  protected decide(point: Point, extra: Partial<DecisionContext> = {}): Verdict {
    return this.options.engine().decide(point, {
      sid: this.session.sid,
      proto: this.session.proto,
      client: this.session.remoteAddress,
      sessionAgeMs: Date.now() - this.session.openedAt,
      ...extra,
    });
  }
}
