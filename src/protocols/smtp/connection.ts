import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SmtpScenario, SmtpWire } from '../../scenario/smtp.js';

/**
 * The two places where the sandbox needs smtp-server to behave differently than its defaults, done
 * by subclassing its public classes rather than forking it:
 * - `init()`: smtp-server waits a hard-coded 100 ms before the greeting to catch early talkers. That
 *   caps a client opening one connection per message at ~9 messages/s; a sandbox greets at once.
 * - `_onCommand()`: every complete command line passes here first, unredacted, so the transcript can
 *   show it (AUTH payloads decoded) before smtp-server's own handler runs.
 * - With a scenario (`scenario`), the greeting, each command (AUTH in full, with the shared src/auth
 *   mechanisms) and the EHLO keywords go through it first (src/scenario/smtp.ts).
 */
export interface CommandObserver {
  onCommand(connection: SandboxConnection, line: Buffer): void;
  /** smtp-server made its STARTTLS socket; called before the handshake reads a byte. */
  onTlsSocket(connection: SandboxConnection, socket: TLSSocket): void;
  /** smtp-server sends a reply after which it closes the connection (221 after QUIT, 421). */
  onClosingReply(connection: SandboxConnection, code: 221 | 421, text: string): void;
}

/**
 * smtp-server writes every reply with its own write(): a client that pipelines (RFC 2920) gets one
 * segment and one syscall per reply. Corking the socket from the moment input arrives until the
 * event loop has run the commands it carried sends their replies in one write, as postfix does.
 * Input that holds at most one line (a client that waits for each reply) is left alone.
 */
function coalesceReplies(socket: Socket): void {
  let corked = false;
  socket.on('data', (chunk: Buffer) => {
    if (corked || socket.destroyed) return;
    const firstEnd = chunk.indexOf(10);
    if (firstEnd === -1 || firstEnd === chunk.length - 1) return;
    corked = true;
    socket.cork();
    setImmediate(() => {
      corked = false;
      if (socket.writableCorked) socket.uncork();
    });
  });
}

function isStartTls(command: Buffer): boolean {
  return (
    command.length >= 8 &&
    (command[0]! | 0x20) === 0x73 &&
    /^STARTTLS/i.test(command.toString('latin1', 0, 8))
  );
}

function flush(socket: Socket): void {
  while (socket.writableCorked) socket.uncork();
}

export class SandboxConnection extends SMTPConnection {
  observer: CommandObserver | null = null;
  scenario: SmtpScenario | null = null;
  private readonly seenTls = new WeakSet<TLSSocket>();
  /** The command in progress is EHLO: its 250 reply gets the scenario's keywords. */
  private answeringEhlo = false;

  override init(): void {
    this._setListeners(() => this.connectionReady());
  }

  /**
   * smtp-server arms the idle timeout on its new STARTTLS socket synchronously after creating it,
   * before the handshake: the one moment to attach the key log and our close handling.
   */
  override _armTimeout(socket: Socket | TLSSocket = this._socket): void {
    if (socket instanceof TLSSocket && !this.seenTls.has(socket)) {
      this.seenTls.add(socket);
      this.observer?.onTlsSocket(this, socket);
      coalesceReplies(socket);
    }
    super._armTimeout(socket);
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    this.observer?.onCommand(this, command);
    // The TLS layer takes over the raw socket right after the 220: nothing may stay corked in it.
    if (isStartTls(command)) flush(this._socket);
    // Lines pipelined into a STARTTLS handshake, or sent before the greeting: smtp-server's business.
    if (!this.scenario || this._upgrading || !this._ready) return super._onCommand(command, callback);
    const line = command.toString('utf8');
    this.answeringEhlo = /^(EHLO|LHLO)\b/i.test(line);
    this.scenario.command(
      line,
      () => super._onCommand(command, callback),
      () => callback?.(),
    );
  }

  override _sendGreeting(): void {
    if (!this.scenario) return super._sendGreeting();
    this.scenario.greet((banner) => this.send(220, banner, false));
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (this.scenario && this.answeringEhlo && code === 250 && Array.isArray(data)) {
      this.answeringEhlo = false;
      data = [data[0]!, ...this.scenario.ehloKeywords(data.slice(1))];
    }
    // A hook error may carry a multi-line reply (a scenario's text), one line per \n.
    if (typeof data === 'string' && data.includes('\n')) data = data.split('\n');
    // Replies that already carry an enhanced status code ("4.7.1 Greylisted") keep theirs instead
    // of getting smtp-server's default in front (RFC 2034 §4: one code per line).
    const first = Array.isArray(data) ? data[0] : data;
    if (typeof first === 'string' && /^[245]\.\d{1,3}\.\d{1,3} /.test(first)) context = false;
    if (code === 421 || code === 221) this.observer?.onClosingReply(this, code, String(first ?? ''));
    super.send(code, data, context);
  }

  /** What the scenario drives on this connection. */
  get wire(): SmtpWire {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const connection = this;
    return {
      send: (code, data, context) => this.send(code, data, context),
      close: () => this.close(),
      get socket() {
        return connection._socket;
      },
      get secure() {
        return connection.secure;
      },
      get session() {
        return connection.session;
      },
      authenticated: (user) => {
        this.session.user = user;
        this.session.transmissionType = this._transmissionType();
      },
    };
  }

  /** True while a SASL exchange waits for the client's next payload. */
  get awaitingSaslResponse(): boolean {
    return this._nextHandler !== false || !!this.scenario?.saslPending;
  }

  /** True while smtp-server holds the start of a command line that has not ended yet. */
  get midCommand(): boolean {
    const parser = this._parser as unknown as { _remainder?: string } | false;
    return !!parser && !!parser._remainder;
  }
}

export class SandboxSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly observer: CommandObserver,
  ) {
    super(options);
  }

  /** Hands an accepted socket (already TLS on implicit-TLS ports) to smtp-server. */
  override connect(
    socket: Socket,
    socketOptions: ConstructorParameters<typeof SMTPConnection>[2],
    beforeGreeting?: (connection: SandboxConnection) => void,
  ): SandboxConnection {
    const connection = new SandboxConnection(this, socket, socketOptions);
    coalesceReplies(socket);
    connection.observer = this.observer;
    beforeGreeting?.(connection);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this.emit('error', err));
    connection.on('connect', (data: unknown) => this.emit('connect', data));
    connection.init();
    return connection;
  }
}
