import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import SASL from 'smtp-server/lib/sasl.js';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { PipeliningWatch } from './pipelining.js';

/**
 * What the sandbox adds to each of smtp-server's connections: the line before smtp-server's dispatch,
 * the STARTTLS socket before its handshake, and the greeting.
 */
export interface ConnectionHooks {
  /**
   * Every complete command line, unredacted, before smtp-server's dispatch. `proceed` hands it to
   * smtp-server; `done` tells smtp-server's parser the command is over when we answered it ourselves;
   * `pipelined`: the line arrived before the reply to the command before it had gone out (RFC 2920).
   */
  onLine(
    connection: SandboxConnection,
    line: Buffer,
    proceed: () => void,
    done: () => void,
    pipelined: boolean,
  ): void;
  /** smtp-server made its STARTTLS socket; called before the handshake reads a byte. */
  onTlsSocket(connection: SandboxConnection, socket: TLSSocket): void;
  /** Time for the greeting: `send(text)` writes `220 text`. */
  onGreeting(connection: SandboxConnection, send: (text: string) => void): void;
  /** Every reply smtp-server is about to write (code, lines); may change the lines (EHLO keywords). */
  onReply(connection: SandboxConnection, code: number, lines: string[]): string[];
  /** The reply's lines exactly as smtp-server is about to write them, for the transcript. */
  onWrite(connection: SandboxConnection, lines: string[]): void;
}

/** The characters smtp-server scrubs from every reply line (its one write site's backstop). */
const CONTROL_CHARS = new RegExp(SASL.CONTROL_CHARS.source, 'g');
const CONTROL_CHAR = new RegExp(SASL.CONTROL_CHARS.source);

/** `line` with control characters made spaces, as smtp-server does (tested first: nearly none has one). */
function clean(line: string): string {
  return CONTROL_CHAR.test(line) ? line.replace(CONTROL_CHARS, ' ') : line;
}

/**
 * What the sandbox reads from the client's bytes outside smtp-server's parser, in one 'data' listener
 * per socket (each listener more is one more call per chunk of input):
 * - smtp-server writes every reply with its own write(): a client that pipelines (RFC 2920) gets one
 *   segment and one syscall per reply. Corking the socket from the moment input arrives until the
 *   event loop has run the commands it carried sends their replies in one write, as postfix does.
 *   Input that holds at most one line (a client that waits for each reply) is left alone.
 * - whether a command line is left open (the command deadline's question), and which lines arrived
 *   before the reply to the one before (pipelining.ts).
 */
function watchInput(socket: Socket, state: InputState): void {
  state.source = socket;
  // RFC 3207 §4.2: what was sent in plain text after STARTTLS is dropped, not answered.
  state.pipelining.reset();
  let corked = false;
  const uncork = () => {
    corked = false;
    if (socket.writableCorked) socket.uncork();
  };
  socket.on('data', (chunk: Buffer) => {
    if (!corked && !socket.destroyed) {
      const firstEnd = chunk.indexOf(10);
      if (firstEnd !== -1 && firstEnd !== chunk.length - 1) {
        corked = true;
        socket.cork();
        setImmediate(uncork);
      }
    }
    if (state.source !== socket) return;
    state.lineOpen = chunk[chunk.length - 1] !== 10;
    state.pipelining.arrived(chunk);
  });
}

/** What the client's input looks like from outside smtp-server's parser. */
interface InputState {
  /** The client's last bytes left a command line open (the command deadline's question). */
  lineOpen: boolean;
  /** The socket whose bytes count: the TLS one after STARTTLS (the raw one then carries ciphertext). */
  source: Socket | null;
  /** Which command lines arrived before the reply to the one before them. */
  readonly pipelining: PipeliningWatch;
}

/**
 * smtp-server is used through its hooks (onSecure, onMailFrom, onRcptTo, onData, onClose), its
 * public connection members, and these private ones, each for a reason no hook covers (no fork):
 * 1. `_setListeners` (in init()): smtp-server waits a hard-coded 100 ms before the greeting to catch
 *    early talkers. That caps a client opening one connection per message at ~9 messages/s.
 * 2. `_sendGreeting`: the scenario decides the greeting (connect and greeting points, its banner), and
 *    may delay it; onConnect could only refuse.
 * 3. `_onCommand`: every command line passes here first, so the transcript shows it unredacted (AUTH
 *    decoded), the scenario is asked at `command`, and AUTH runs on the shared SASL driver instead of
 *    smtp-server's own (which knows four mechanisms).
 * 4. `_armTimeout`: smtp-server arms the idle timeout on its new STARTTLS socket synchronously after
 *    creating it, before the handshake: the one moment to attach the key log (a TLSSocket emits
 *    `keylog` only to listeners attached before its handshake) and to let the session adopt it.
 * 5. `_getEnhancedStatusCode` (in send()): the RFC 2034 code smtp-server would put in front of a
 *    reply, put there by us instead, so the transcript records each reply as the bytes written and
 *    a scenario's cut can be recorded where it stopped (core/reply-writer.ts).
 */
export class SandboxConnection extends SMTPConnection {
  hooks: ConnectionHooks | null = null;
  /** The STARTTLS socket already handed to the hooks (smtp-server arms its timeout more than once). */
  private tlsSeen: TLSSocket | null = null;
  readonly input: InputState = { lineOpen: false, source: null, pipelining: new PipeliningWatch() };
  /** The next reply goes out verbatim: a scenario's own text gets no enhanced status code added. */
  verbatimNext = false;

  override init(): void {
    this._setListeners(() => this.connectionReady());
  }

  override _armTimeout(socket?: Socket | TLSSocket): void {
    if (socket instanceof TLSSocket && this.tlsSeen !== socket) {
      this.tlsSeen = socket;
      this.hooks?.onTlsSocket(this, socket);
      watchInput(socket, this.input);
    }
    super._armTimeout(socket);
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    const pipelined = this.input.pipelining.take();
    if (!this.hooks) return super._onCommand(command, callback);
    this.hooks.onLine(
      this,
      command,
      () => super._onCommand(command, callback),
      () => callback?.(),
      pipelined,
    );
  }

  override _sendGreeting(): void {
    if (!this.hooks) return super._sendGreeting();
    this.hooks.onGreeting(this, (text) => this.send(220, text, false));
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    // A hook error may carry a multi-line reply (a scenario's text), one line per \n.
    let lines =
      data == null ? [] : Array.isArray(data) ? data : data.includes('\n') ? data.split('\n') : [data];
    if (this.hooks) lines = this.hooks.onReply(this, code, lines);
    // Replies that already carry an enhanced status code ("4.7.1 Greylisted") keep theirs instead
    // of getting smtp-server's default in front (RFC 2034 §4: one code per line).
    if (this.verbatimNext || /^[245]\.\d{1,3}\.\d{1,3} /.test(lines[0] ?? '')) context = false;
    this.verbatimNext = false;
    // The enhanced status code smtp-server would add, added here instead, and control characters
    // scrubbed as smtp-server does: the lines recorded are then the bytes it writes.
    const enhanced = context === false ? '' : this._getEnhancedStatusCode(code, context);
    let texts: string[];
    if (lines.length === 1) {
      const text = clean(lines[0]!);
      texts = [enhanced && text ? `${enhanced} ${text}` : enhanced || text];
    } else texts = lines.map((line) => (enhanced ? `${enhanced} ${clean(line)}` : clean(line)));
    this.hooks?.onWrite(this, wireLines(code, texts));
    this.input.pipelining.replied(code);
    super.send(code, texts.length > 1 ? texts : (texts[0] ?? null), false);
  }
}

/** A reply's lines as smtp-server writes them (RFC 5321 §4.2: `code-text` … `code text`). */
function wireLines(code: number, texts: string[]): string[] {
  if (texts.length <= 1) {
    const text = texts[0] ?? '';
    // RFC 4954 §4: an empty challenge is still `334 ` with its space.
    return [text || code === 334 ? `${code} ${text}` : String(code)];
  }
  return texts.map((text, i) => `${code}${i < texts.length - 1 ? '-' : ' '}${text}`);
}

export class SandboxSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly hooks: ConnectionHooks,
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
    watchInput(socket, connection.input);
    connection.hooks = this.hooks;
    beforeGreeting?.(connection);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this.emit('error', err));
    connection.on('connect', (data: unknown) => this.emit('connect', data));
    connection.init();
    return connection;
  }
}
