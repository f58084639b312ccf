import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_MECHANISMS } from '../../auth/registry.js';
import type { Credentials } from '../../auth/mechanism.js';
import { verifyCredentials } from '../../auth/verify.js';
import type { ListenerInfo, Session } from '../../core/session.js';
import { SmtpScenario } from '../../scenario/smtp.js';
import { PASS, type Verdict } from '../../scenario/verdicts.js';
import { describeChallenge, describeSaslPayload } from '../../transcript/decode.js';
import type { ProtocolContext, ProtocolHandler } from '../context.js';
import { SandboxSmtpServer, type SandboxConnection } from './connection.js';
import { deliverMessage } from './deliver.js';

interface SmtpSessionState {
  session: Session;
  connection: SandboxConnection;
  /** Mechanism of the SASL exchange in progress, and how many client payloads it has had. */
  sasl: { mechanism: string; index: number } | null;
  deadline: NodeJS.Timeout | null;
  /** The SIZE this session was offered: the limit, or the scenario's. */
  maxBytes: number;
}

function authError(message: string, responseCode = 535): Error {
  return Object.assign(new Error(message), { responseCode });
}

function toCredentials(auth: SMTPServerAuthentication): Credentials {
  const a = auth as SMTPServerAuthentication & {
    challenge?: string;
    challengeResponse?: string;
    authzid?: string;
  };
  switch (auth.method) {
    case 'CRAM-MD5':
      return {
        mechanism: 'CRAM-MD5',
        username: auth.username ?? '',
        challenge: a.challenge ?? '',
        digest: a.challengeResponse ?? '',
      };
    case 'XOAUTH2':
      return { mechanism: 'XOAUTH2', username: auth.username ?? '', token: auth.accessToken ?? '' };
    default:
      return {
        mechanism: auth.method === 'LOGIN' ? 'LOGIN' : 'PLAIN',
        authzid: a.authzid ?? '',
        username: auth.username ?? '',
        password: auth.password ?? '',
      };
  }
}

/**
 * SMTP on one listener, on smtp-server. The core accepted the socket (and did the TLS handshake on
 * implicit-TLS ports); smtp-server parses and dispatches; its hooks decide and store; the transcript
 * sees every command through `SandboxConnection` and every reply through smtp-server's logger.
 */
export function createSmtpHandler(listener: ListenerInfo, ctx: ProtocolContext): ProtocolHandler {
  const byConnectionId = new Map<string, SmtpSessionState>();

  const stateOf = (smtpSession: SMTPServerSession): SmtpSessionState | undefined =>
    byConnectionId.get(smtpSession.id);

  const armDeadline = (state: SmtpSessionState) => {
    // Re-armed on every command: moving the one timer is cheaper than a new one each time.
    if (state.deadline) return void state.deadline.refresh();
    state.deadline = setTimeout(() => {
      state.deadline = null;
      // Only a half-sent command counts: an idle client is smtp-server's idle timeout's business.
      if (!state.connection.midCommand) return armDeadline(state);
      const text = `timed out: the client took more than ${ctx.limits.commandTimeoutMs} ms to send one command`;
      state.session.note('warn', text);
      state.connection.send(421, '4.4.2 ' + ctx.hostname + ' Error: timeout exceeded');
    }, ctx.limits.commandTimeoutMs);
    state.deadline.unref();
  };

  const logger = {
    // smtp-server reports every reply it writes as `S:` at debug level, with the connection id.
    debug(entry: { tnx?: string; cid?: string }, message: string, ...args: unknown[]) {
      if (entry.tnx !== 'send' || !entry.cid) return;
      const state = byConnectionId.get(entry.cid);
      if (!state) return;
      const payload = String(args[0] ?? message);
      for (const line of payload.split('\r\n')) {
        const decoded = line.startsWith('334 ') ? describeChallenge(line.slice(4)) : undefined;
        state.session.server(line, decoded);
      }
    },
    info() {},
    trace() {},
    warn() {},
    error() {},
    fatal() {},
  };

  const server = new SandboxSmtpServer(
    {
      ...ctx.tls.contextOptions(),
      secure: listener.tls === 'implicit',
      name: ctx.hostname,
      banner: 'mailsandbox ready',
      size: ctx.limits.maxMessageBytes,
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
      logger: logger as never,

      onSecure(socket, smtpSession, callback) {
        const state = stateOf(smtpSession);
        if (state && !state.session.tls) state.session.markSecure('starttls', socket as TLSSocket);
        callback();
      },

      onAuth(auth, smtpSession, callback) {
        const state = stateOf(smtpSession);
        const credentials = toCredentials(auth);
        const ok = verifyCredentials(ctx.users, credentials);
        state?.session.auth(auth.method, credentials.username, ok);
        if (ok) return callback(null, { user: credentials.username });
        if (auth.method === 'XOAUTH2') {
          // RFC-less Google convention: a JSON error as a 334 challenge, then 535 (smtp-server does it).
          return callback(null, {
            data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' },
          });
        }
        callback(authError('5.7.8 Authentication credentials invalid'));
      },

      onData(stream: SMTPServerDataStream, smtpSession: SMTPServerSession, callback) {
        const state = stateOf(smtpSession);
        if (!state) {
          stream.resume();
          return callback(authError('4.3.0 session state lost', 451));
        }
        const scenario = state.connection.scenario;
        scenario?.cutMessage(stream);
        const verdict = scenario?.dataEnd() ?? PASS;
        if (scenario && refusesMessage(verdict))
          return refuseMessage(scenario, verdict, stream, state.session, callback);
        deliverMessage(
          stream,
          smtpSession,
          state.session,
          ctx,
          () => armDeadline(state),
          state.maxBytes,
        ).then(
          // A delay, throttle or slice verdict shapes the reply after the message was stored.
          (reply) =>
            scenario ? scenario.render(verdict, () => callback(null, reply)) : callback(null, reply),
          (err: Error & { responseCode?: number }) => callback(err),
        );
      },

      onClose(smtpSession) {
        const state = stateOf(smtpSession);
        if (!state) return;
        if (state.deadline) clearTimeout(state.deadline);
        byConnectionId.delete(smtpSession.id);
      },
    },
    {
      onCommand(connection, command) {
        const state = byConnectionId.get(connection.id);
        if (!state) return;
        armDeadline(state);
        state.session.noticeFirstInput(command);
        const line = command.toString('utf8');
        let decoded: string | undefined;
        if (state.sasl && connection.awaitingSaslResponse) {
          decoded = describeSaslPayload(state.sasl.mechanism, line, state.sasl.index++);
        } else {
          state.sasl = null;
          const auth = /^AUTH\s+(\S+)(?:\s+(\S+))?\s*$/i.exec(line);
          if (auth) {
            state.sasl = { mechanism: auth[1]!.toUpperCase(), index: 0 };
            if (auth[2] !== undefined)
              decoded = describeSaslPayload(state.sasl.mechanism, auth[2], state.sasl.index++);
          }
        }
        state.session.client(line, decoded);
      },
      onClosingReply(connection, code, text) {
        const state = byConnectionId.get(connection.id);
        if (!state) return;
        if (code === 221)
          return state.session.endingBecause('QUIT: the server closed the connection after 221');
        if (/command line too long/i.test(text))
          state.session.note(
            'warn',
            `client sent a command line over the ${ctx.limits.maxLineBytes}-byte limit: dropped, and smtp-server hangs up`,
          );
        state.session.endingBecause(`server closed the connection after 421 ${text}`);
      },
      onTlsSocket(connection, socket) {
        ctx.tls.attachKeylog(socket);
        const state = byConnectionId.get(connection.id);
        if (state) state.session.adoptSocket(socket);
      },
    },
  );
  // smtp-server wraps the logger it is given in nodemailer's formatting wrapper, which allocates
  // on every call (a tenth of the server's CPU under load); ours needs only the raw arguments.
  (server as unknown as { logger: typeof logger }).logger = logger;
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
      const connection = server.connect(session.socket, known, (c) => {
        // SMTP still keeps smtp-server's own paths under the built-in scenario (its AUTH among them).
        if (engine.builtIn) return;
        c.scenario = new SmtpScenario(engine, session, c.wire, ctx.users, ctx.hostname);
        c.name = c.scenario.serverName;
      });
      const state: SmtpSessionState = { session, connection, sasl: null, deadline: null, maxBytes };
      byConnectionId.set(connection.id, state);
      session.onClose(() => {
        if (state.deadline) clearTimeout(state.deadline);
      });
      armDeadline(state);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function refusesMessage(verdict: Verdict): boolean {
  return verdict.kind === 'reply' || verdict.kind === 'disconnect' || verdict.kind === 'stall';
}

/**
 * End of DATA refused by the scenario (RFC 5321 §4.2.5: the reply after the final dot decides
 * whether the message was taken): the message is read to its end, not stored, and the verdict's
 * reply goes out through smtp-server's DATA callback so its state machine carries on.
 */
function refuseMessage(
  scenario: SmtpScenario,
  verdict: Verdict,
  stream: SMTPServerDataStream,
  session: Session,
  callback: (err?: Error | null, message?: string) => void,
): void {
  let size = 0;
  stream.on('data', (chunk: Buffer) => (size += chunk.length));
  stream.once('end', () => {
    session.client(`<message body: ${size} bytes>`);
    session.client('.');
    if (verdict.kind !== 'pass') session.note('info', `message not stored: scenario rule ${verdict.rule}`);
    scenario.render(
      verdict,
      () => callback(),
      () => {},
      (code, lines) => callback(authError(lines.join('\n'), code)),
    );
  });
}
