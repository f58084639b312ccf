import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * The two places where the sandbox needs smtp-server to behave differently than its defaults, done
 * by subclassing its public classes rather than forking it:
 * - `init()`: smtp-server waits a hard-coded 100 ms before the greeting to catch early talkers. That
 *   caps a client opening one connection per message at ~9 messages/s; a sandbox greets at once.
 * - `_onCommand()`: every complete command line passes here first, unredacted, so the transcript can
 *   show it (AUTH payloads decoded) before smtp-server's own handler runs.
 */
export interface CommandObserver {
  onCommand(connection: SandboxConnection, line: Buffer): void;
  /** smtp-server made its STARTTLS socket; called before the handshake reads a byte. */
  onTlsSocket(connection: SandboxConnection, socket: TLSSocket): void;
}

export class SandboxConnection extends SMTPConnection {
  observer: CommandObserver | null = null;
  private readonly seenTls = new WeakSet<TLSSocket>();

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
    }
    super._armTimeout(socket);
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    this.observer?.onCommand(this, command);
    super._onCommand(command, callback);
  }

  /** True while a SASL exchange waits for the client's next payload. */
  get awaitingSaslResponse(): boolean {
    return this._nextHandler !== false;
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
  ): SandboxConnection {
    const connection = new SandboxConnection(this, socket, socketOptions);
    connection.observer = this.observer;
    this.connections.add(connection);
    connection.on('error', (err: Error) => this.emit('error', err));
    connection.on('connect', (data: unknown) => this.emit('connect', data));
    connection.init();
    return connection;
  }
}
