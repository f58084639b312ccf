import net from 'node:net';
import type { ListenerProto } from '../config/defaults.js';
import type { TlsMode } from '../transcript/events.js';
import { Session, type CoreContext, type ListenerInfo } from './session.js';
import { shutDownSessions, type Goodbyes } from './shutdown.js';
import { describeHandshakeFailure } from './tls-mismatch.js';

export interface ListenerSpec extends Omit<ListenerInfo, 'port'> {
  host: string;
  /** 0 asks for an ephemeral port. */
  port: number;
  /** The protocol's lines for a shutdown and for a client past the connection cap. */
  goodbyes?: Goodbyes;
}

export interface ListenerStatus {
  name: string;
  proto: ListenerProto;
  tls: TlsMode;
  host: string;
  requestedPort: number;
  /** The bound port, or null when binding failed. */
  port: number | null;
  error: string | null;
}

export interface ListenerHandle {
  status: ListenerStatus;
  close(): Promise<void>;
}

/**
 * Binds `server` to the spec's host and port (shared with the http listener): the bound port, or why
 * it could not be bound, lands in `status`; the listener never throws, so the other listeners still start.
 */
export async function bindServer(
  server: net.Server,
  spec: Pick<ListenerSpec, 'host' | 'port'>,
  status: Pick<ListenerStatus, 'port' | 'error'>,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      status.error = bindError(err, spec);
      resolve();
    };
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port }, () => {
      server.off('error', onError);
      status.port = (server.address() as net.AddressInfo).port;
      resolve();
    });
  });
  server.on('error', () => {});
}

/** Why a port could not be bound, with what to do about it (shared with the http listener). */
export function bindError(err: NodeJS.ErrnoException, spec: Pick<ListenerSpec, 'host' | 'port'>): string {
  const where = `${spec.host}:${spec.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `${where} is already in use (EADDRINUSE): stop the other server or use --port-offset`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to bind ${where} (${err.code}): use --port-offset or run with privileges`;
    case 'EADDRNOTAVAIL':
      return `${spec.host} is not an address of this machine (EADDRNOTAVAIL): check --host`;
    default:
      return `cannot listen on ${where}: ${err.message}`;
  }
}

/**
 * Listens for one row of the listener table. Each accepted socket becomes a Session; on implicit-TLS
 * ports the handshake runs first (a failure is a transcript line, not a crash), then the protocol
 * gets the session. A port that cannot be bound is reported in the status; the caller goes on.
 */
export async function startListener(
  spec: ListenerSpec,
  ctx: CoreContext,
  onSession: (session: Session) => void,
): Promise<ListenerHandle> {
  const sessions = new Set<Session>();
  const goodbyes = spec.goodbyes ?? { shutdown: '', tooMany: '' };
  let stopping = false;
  // Known once bound (an ephemeral port is only known then); shared by the listener's sessions.
  let info: ListenerInfo | null = null;
  const server = net.createServer({ noDelay: true }, (raw) => {
    info ??= { ...spec, port: (server.address() as net.AddressInfo).port };
    const session = new Session(ctx, info, raw);
    // Past the cap the client still gets a session (a transcript of what happened) and the
    // protocol's goodbye, but no protocol: the held sessions are not touched.
    const full = spec.goodbyes !== undefined && sessions.size >= ctx.limits.maxConnections;
    const serve = full
      ? (s: Session) => {
          s.note('warn', `too many connections: this listener holds ${sessions.size} (--max-connections)`);
          s.goodbye(goodbyes.tooMany, 'too many connections');
        }
      : onSession;
    if (!full) {
      sessions.add(session);
      session.onClose(() => sessions.delete(session));
    }
    if (stopping) return session.reset('sandbox shutting down');
    if (spec.tls !== 'implicit') {
      serve(session);
      return;
    }
    session.tlsPending = true;
    ctx.tls.upgrade(raw, ctx.limits.tlsHandshakeTimeoutMs).then(
      (secure) => {
        session.tlsPending = false;
        if (session.closed) return secure.destroy();
        session.adoptSocket(secure);
        session.markSecure('implicit', secure);
        serve(session);
      },
      (err: Error) => {
        session.tlsPending = false;
        session.note('warn', describeHandshakeFailure(err, spec.proto, true, session.portLookup));
        session.close('TLS handshake failed');
        raw.destroy();
      },
    );
  });
  const status: ListenerStatus = {
    name: spec.name,
    proto: spec.proto,
    tls: spec.tls,
    host: spec.host,
    requestedPort: spec.port,
    port: null,
    error: null,
  };
  await bindServer(server, spec, status);
  return {
    status,
    close: async () => {
      stopping = true;
      if (status.port === null) return;
      // Stop accepting first; the server's close callback comes once every connection has ended.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (spec.goodbyes) await shutDownSessions(sessions, spec.goodbyes.shutdown, ctx.limits.shutdownGraceMs);
      for (const s of sessions) s.reset('sandbox shutting down');
      await closed;
    },
  };
}
