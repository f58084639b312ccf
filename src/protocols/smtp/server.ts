import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_MECHANISMS } from '../../auth/registry.js';
import type { ListenerInfo, Session } from '../../core/session.js';
import { describeChallenge } from '../../transcript/decode.js';
import type { ProtocolContext, ProtocolHandler } from '../context.js';
import { SMTP_COMMANDS } from './commands.js';
import { receiveMessage } from './commands/data.js';
import { mailFrom, rcptTo } from './commands/envelope.js';
import { SandboxSmtpServer, type ConnectionHooks, type SandboxConnection } from './connection.js';
import { SmtpConversation } from './conversation.js';
import { deliverMessage } from './deliver.js';

interface SmtpSessionState {
  session: Session;
  conversation: SmtpConversation;
  deadline: NodeJS.Timeout | null;
  /** When the client last sent a command or a KiB of a message (Date.now()). */
  lastProgress: number;
  /** A message is streaming in (DATA): its lines are not commands. */
  inData: boolean;
  /** The SIZE this session was offered: the limit, or the scenario's. */
  maxBytes: number;
}

function replyError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * SMTP on one listener, on smtp-server. The core accepted the socket (and did the TLS handshake on
 * implicit-TLS ports); each command line goes through the conversation (conversation.ts, by its wire
 * name in commands.ts) and on to smtp-server, which parses and dispatches; its hooks ask the scenario
 * where it parsed what the scenario needs; every reply is recorded as the bytes written (onWrite).
 */
export function createSmtpHandler(listener: ListenerInfo, ctx: ProtocolContext): ProtocolHandler {
  const byConnectionId = new Map<string, SmtpSessionState>();

  const stateOf = (smtpSession: SMTPServerSession): SmtpSessionState | undefined =>
    byConnectionId.get(smtpSession.id);

  const limit = ctx.limits.commandTimeoutMs;
  /**
   * The command deadline: `limit` ms after the client's last progress. Progress (every command, every
   * KiB of DATA) only notes the time; the one timer, when it fires early, waits out the rest. Moving
   * the timer itself on every command cost a timer-list removal and insertion each time.
   */
  const armDeadline = (state: SmtpSessionState) => {
    state.lastProgress = Date.now();
    if (!state.deadline) startDeadline(state, limit);
  };
  const startDeadline = (state: SmtpSessionState, ms: number) => {
    state.deadline = setTimeout(() => {
      state.deadline = null;
      const since = Date.now() - state.lastProgress;
      if (since < limit) return startDeadline(state, limit - since);
      // Only a half-sent command counts: an idle client is smtp-server's idle timeout's business.
      if (state.inData || !state.conversation.connection.input.lineOpen) return armDeadline(state);
      const text = `timed out: the client took more than ${limit} ms to send one command`;
      state.session.note('warn', text);
      state.conversation.connection.send(421, '4.4.2 ' + ctx.hostname + ' Error: timeout exceeded');
    }, ms);
    state.deadline.unref();
  };

  const hooks: ConnectionHooks = {
    onLine(connection, line, proceed, done, pipelined) {
      const state = byConnectionId.get(connection.id);
      if (!state) return proceed();
      armDeadline(state);
      state.session.noticeFirstInput(line);
      state.conversation.line(line, proceed, done, pipelined);
    },
    onGreeting(connection, send) {
      const state = byConnectionId.get(connection.id);
      if (state) state.conversation.greet(send);
    },
    onReply(connection, code, lines) {
      const state = byConnectionId.get(connection.id);
      if (!state) return lines;
      if (code === 221) state.session.endingBecause('QUIT: the server closed the connection after 221');
      if (code === 421) closingAfter421(state.session, lines[0] ?? '');
      const conv = state.conversation;
      const edit = SMTP_COMMANDS.get(conv.current.name)?.reply;
      return edit ? edit(conv, code, lines) : lines;
    },
    onWrite(connection, lines) {
      const state = byConnectionId.get(connection.id);
      if (!state) return;
      const { session, conversation } = state;
      // What smtp-server will not write: nothing while the STARTTLS handshake runs, nor to a closed socket.
      const socket = session.socket;
      if (conversation.upgrading || socket.destroyed || socket.readyState !== 'open') return;
      // Recorded before the write, so a scenario's cut records each line as far as it goes out.
      if (session.replies.metered) return session.replies.recordSent(lines);
      for (const line of lines)
        session.server(line, line.startsWith('334 ') ? describeChallenge(line.slice(4)) : undefined);
    },
    onTlsSocket(connection, socket) {
      ctx.tls.attachKeylog(socket);
      const state = byConnectionId.get(connection.id);
      if (state) state.session.adoptSocket(socket);
    },
  };

  const closingAfter421 = (session: Session, text: string) => {
    if (/command line too long/i.test(text))
      session.note(
        'warn',
        `client sent a command line over the ${ctx.limits.maxLineBytes}-byte limit: dropped, and smtp-server hangs up`,
      );
    session.endingBecause(`server closed the connection after 421 ${text}`);
  };

  const server = new SandboxSmtpServer(
    {
      ...ctx.tls.contextOptions(),
      secure: listener.tls === 'implicit',
      name: ctx.hostname,
      banner: 'mailsandbox ready',
      size: ctx.limits.maxMessageBytes,
      // Only where smtp-server puts AUTH in its EHLO reply: the line itself is the auth policy's
      // (commands/ehlo.ts), and AUTH never reaches smtp-server (commands/auth.ts).
      authMethods: [...DEFAULT_MECHANISMS],
      authOptional: !listener.requireAuth,
      allowInsecureAuth: true,
      // No DNS may leave this machine; smtp-server resolves every client's PTR by default.
      disableReverseLookup: true,
      hideSTARTTLS: listener.tls === 'implicit',
      hideENHANCEDSTATUSCODES: false,
      hideDSN: true,
      hideREQUIRETLS: true,
      maxCommandLength: ctx.limits.maxLineBytes,
      socketTimeout: ctx.limits.idleTimeoutMs,
      maxAllowedUnauthenticatedCommands: ctx.limits.maxErrorsInARow * 5,
      closeTimeout: 1_000,
      // Every reply is recorded where it is written (onWrite); smtp-server's own log is not needed.
      logger: false,

      onSecure(socket, smtpSession, callback) {
        const state = stateOf(smtpSession);
        if (state) {
          state.conversation.upgrading = false;
          if (!state.session.tls) state.session.markSecure('starttls', socket as TLSSocket);
        }
        callback();
      },

      onMailFrom(address, smtpSession, callback) {
        const state = stateOf(smtpSession);
        if (!state) return callback();
        mailFrom(state.conversation, address, callback);
      },

      onRcptTo(address, smtpSession, callback) {
        const state = stateOf(smtpSession);
        if (!state) return callback();
        rcptTo(state.conversation, address, callback);
      },

      onData(stream: SMTPServerDataStream, smtpSession: SMTPServerSession, callback) {
        const state = stateOf(smtpSession);
        if (!state) {
          stream.resume();
          return callback(replyError('4.3.0 session state lost', 451));
        }
        state.inData = true;
        stream.once('end', () => (state.inData = false));
        const store = () =>
          deliverMessage(stream, smtpSession, state.session, ctx, () => armDeadline(state), state.maxBytes);
        // A shutdown waits for this DATA (up to its grace) so the final dot gets its reply (core/shutdown.ts).
        const done = state.session.beginWork();
        receiveMessage(state.conversation, stream, store, (err?: Error | null, reply?: string) => {
          callback(err, reply);
          done();
        });
      },

      onClose(smtpSession) {
        const state = stateOf(smtpSession);
        if (!state) return;
        if (state.deadline) clearTimeout(state.deadline);
        byConnectionId.delete(smtpSession.id);
      },
    },
    hooks,
  );
  server.on('error', () => {
    // Socket errors of single connections; the session records its own close.
  });

  return {
    accept(session) {
      const engine = ctx.engine;
      // smtp-server reads SIZE from its options; a scenario may set it (one scenario runs at a time).
      const maxBytes = engine.scenario.smtp?.size ?? ctx.limits.maxMessageBytes;
      server.options.size = maxBytes;
      // What the session already knows, so smtp-server does not ask the socket (a system call
      // each) nor draw a random connection id.
      const known = {
        id: session.sid,
        localPort: session.listener.port,
        remoteAddress: session.remoteAddress,
        remotePort: session.remotePort,
      };
      let state: SmtpSessionState | undefined;
      server.connect(session.socket, known, (connection: SandboxConnection) => {
        const conversation = new SmtpConversation(engine, session, connection, ctx.users, ctx.hostname);
        connection.name = conversation.serverName;
        state = { session, conversation, deadline: null, lastProgress: 0, inData: false, maxBytes };
        byConnectionId.set(connection.id, state);
      });
      session.onClose(() => {
        if (state?.deadline) clearTimeout(state.deadline);
      });
      if (state) armDeadline(state);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
