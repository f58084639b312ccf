import type { ListenerInfo, Session } from '../core/session.js';
import type { ProtocolContext, ProtocolHandler } from '../protocols/context.js';
import type { KeylogWriter } from '../tls/keylog.js';
import { ImapRelay } from './imap-relay.js';
import { Pop3Relay } from './pop3-relay.js';
import type { Relay, RelayOptions } from './relay.js';
import { SmtpRelay } from './smtp-relay.js';
import { describeUpstream, type UpstreamSpec } from './upstream.js';

/** Proxy mode of the sandbox (`mailsandbox proxy`, or `startSandbox({ proxy })`). */
export interface ProxyOptions {
  /** Listener name → the real server it forwards to. Only these listeners start. */
  upstreams: Record<string, UpstreamSpec>;
  /** PEM of the CAs the upstream's certificate is checked against (default: the system's). */
  upstreamCa?: string;
  /** Do not check the upstream's certificate (a warning says so). */
  upstreamInsecure?: boolean;
  /** Passwords and tokens become *** in the transcript (UI, log, files). */
  redact?: boolean;
  /** What each session's first note says instead of `proxy to HOST:PORT` (a replay names its recording). */
  label?: string;
  /** Replay (src/replay): per session, the recorded reply of a command, said instead of the upstream's. */
  replay?: (
    listener: string,
    note: (text: string) => void,
  ) => (command: string, args: string) => string[] | null;
}

/** What a proxied listener's session-open line says: where it goes, whether secrets are redacted. */
export function proxyInfo(
  proxy: ProxyOptions | undefined,
  listener: string,
): { upstream: string; redacted: boolean } | undefined {
  const up = proxy?.upstreams[listener];
  if (!proxy || !up || proxy.replay) return undefined;
  return { upstream: describeUpstream(up), redacted: !!proxy.redact };
}

const RELAYS = { smtp: SmtpRelay, imap: ImapRelay, pop3: Pop3Relay } as const;

/**
 * The protocol handler of a proxied listener: each client session gets a relay to the listener's
 * upstream. Everything around it (listener, client-leg TLS with the sandbox's certificate, transcript
 * bus, UI, log, --record, --keylog) is the sandbox's own.
 */
export function createProxyHandler(
  listener: ListenerInfo,
  ctx: ProtocolContext,
  proxy: ProxyOptions,
  keylog: KeylogWriter | null,
): ProtocolHandler {
  const upstream = proxy.upstreams[listener.name]!;
  const options: RelayOptions = {
    upstream,
    tls: {
      ca: proxy.upstreamCa,
      insecure: !!proxy.upstreamInsecure,
      keylog,
      timeoutMs: ctx.limits.tlsHandshakeTimeoutMs,
    },
    redact: !!proxy.redact,
    label: proxy.label,
    transcriptBodies: ctx.transcriptBodies,
    maxLineBytes: ctx.limits.maxLineBytes,
    greetingTimeoutMs: ctx.limits.commandTimeoutMs,
    engine: () => ctx.engine,
  };
  const relays = new Set<Relay>();
  return {
    accept(session: Session) {
      const recorded = proxy.replay?.(listener.name, (text) => session.note('info', text));
      const relay = new RELAYS[listener.proto](session, { ...options, recorded });
      relays.add(relay);
      const engine = ctx.engine;
      session.onClose(() => {
        relays.delete(relay);
        engine.forget(session.sid);
      });
      void relay.start();
    },
    close: async () => {},
  };
}
