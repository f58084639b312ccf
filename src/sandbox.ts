import { resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { userDirectory, type UserDirectory } from './auth/verify.js';
import {
  DEFAULT_HOST,
  DEFAULT_HOSTNAME,
  DEFAULT_PORT_OFFSET,
  LISTENERS,
  portFor,
} from './config/defaults.js';
import { resolveLimits, type Limits } from './config/limits.js';
import { startListener, type ListenerHandle, type ListenerStatus } from './core/listener.js';
import type { ListenerInfo } from './core/session.js';
import { TlsProvider } from './core/tls-provider.js';
import { startHttpListener } from './http/server.js';
import type { ProtocolContext, ProtocolHandler } from './protocols/context.js';
import { GOODBYES, PROTOCOLS } from './protocols/registry.js';
import { createProxyHandler, proxyInfo, type ProxyOptions } from './proxy/handler.js';
import { FindingsRunner, type Report } from './report/runner.js';
import { oddCertificate } from './scenario/certificates.js';
import { ScenarioEngine } from './scenario/engine.js';
import { defaultScenario, type Scenario } from './scenario/load.js';
import { seedMail } from './scenario/seed-mail.js';
import { DEFAULT_MAX_MESSAGES, MailStore } from './store/mail-store.js';
import { droppedNote } from './store/dropped-note.js';
import { MaildirBackend } from './store/maildir.js';
import { memoryBackend } from './store/memory.js';
import type { MailboxRouting } from './store/routing.js';
import type { StoredMessage } from './store/types.js';
import { certificateNames, defaultCertsDir, loadCertificate, type CertificateMaterial } from './tls/certs.js';
import { KeylogWriter } from './tls/keylog.js';
import { TranscriptBus, type TranscriptListener } from './transcript/bus.js';
import type { TranscriptEvent } from './transcript/events.js';
import { formatTranscript, TranscriptRecorder } from './transcript/export.js';

export interface SandboxOptions {
  /** Address to bind; 127.0.0.1 unless said otherwise. */
  host?: string;
  /** Added to each standard port (default 3000); `'ephemeral'` binds every listener to port 0. */
  portOffset?: number | 'ephemeral';
  /** Which listeners to start, by name (smtp, submission, smtps, imap, imaps, pop3, pop3s, http); default all. */
  listeners?: string[];
  /** The server's name in greetings and challenges. */
  hostname?: string;
  /** Where the generated certificate lives (default: the user's cache, ~/.cache/mailsandbox/certs;
   *  the CLI passes ./certs). */
  certsDir?: string;
  certFile?: string;
  keyFile?: string;
  /** Append NSS key-log lines of every TLS session to this file. */
  keylogFile?: string;
  /** name → password; when given, only these users may log in and passwords are checked. */
  users?: Record<string, string>;
  /** SASL mechanisms offered and accepted on SMTP, IMAP and POP3 where the scenario names none
   *  (default PLAIN, LOGIN, CRAM-MD5, XOAUTH2); any of those in src/auth/registry.ts. */
  mechanisms?: string[];
  /** Client-triggered faults by address or login (`fail-rcpt-452@x.test`, `fail-login-no`; see
   *  src/scenario/triggers.ts); on unless false (`--no-triggers`) or the scenario says `triggers: false`. */
  triggers?: boolean;
  /** Persist the mail store as Maildir folders under this directory. */
  maildir?: string;
  /** With `maildir`: bytes of message bodies kept in memory (store/body-cache.ts; default 16 MiB). */
  bodyCacheBytes?: number;
  /** Past this many messages the oldest are dropped, with a transcript note (store/mail-store.ts).
   *  Default 100,000 in memory; no cap with `maildir` unless given. */
  maxMessages?: number;
  mailboxes?: MailboxRouting;
  /** Write every session's transcript into this directory (.txt and .jsonl). */
  record?: string;
  transcriptBodies?: boolean;
  limits?: Partial<Limits>;
  tlsMinVersion?: SecureVersion;
  tlsMaxVersion?: SecureVersion;
  /** Scripted behaviour (see scenarios/README.md); `loadScenario(nameOrPath)` reads one. */
  scenario?: Scenario;
  /** Seed of the scenario's random source (replay); default: the scenario's `seed`, else random. */
  seed?: number;
  /** Bearer token the HTTP API asks for; required when `host` is not a loopback address. */
  httpToken?: string;
  /** Proxy mode (src/proxy): the listeners named in `proxy.upstreams` forward to real servers. */
  proxy?: ProxyOptions;
}

export interface Sandbox {
  /** Bound port of each listener that is listening, by listener name. */
  ports: Record<string, number>;
  listeners: ListenerStatus[];
  host: string;
  hostname: string;
  /** Whether the HTTP API asks for the bearer token of `httpToken`. */
  httpTokenRequired: boolean;
  certificate: Pick<CertificateMaterial, 'certPath' | 'fingerprint256' | 'notAfter' | 'generated'>;
  store: MailStore;
  /** Every message accepted over SMTP, oldest first, with its envelope. */
  messages(): StoredMessage[];
  transcript: {
    subscribe(listener: TranscriptListener): () => void;
    history(sid?: string): TranscriptEvent[];
    /** One session in the telnet-style text form. */
    text(sid: string): string;
  };
  bus: TranscriptBus;
  /** What each session's client did wrong or risky so far (src/report/; the `finding` events). */
  report(): Report;
  /** The running scenario's name and seed (null without a scenario). */
  scenario: { name: string; seed: number; random: boolean } | null;
  /** Switches scenario while running: sessions opened from now on get the new one. */
  useScenario(scenario: Scenario, seed?: number): void;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  // A recorded server to play back (src/replay): a proxy in front of an inner sandbox.
  if (options.scenario?.replay && !options.proxy) {
    const { startReplay } = await import('./replay/play.js');
    return startReplay({ ...options, scenario: options.scenario });
  }
  const host = options.host ?? DEFAULT_HOST;
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const limits = resolveLimits(options.limits);
  const bus = new TranscriptBus(limits.transcriptEvents, limits.transcriptLineChars, limits.transcriptBytes);

  const scenarioTls = options.scenario?.tls;
  const names = certificateNames([hostname, ...(host === '0.0.0.0' || host === '::' ? [] : [host])]);
  const certsDir = options.certsDir ?? defaultCertsDir();
  const material =
    scenarioTls && scenarioTls.certificate !== 'default'
      ? await oddCertificate(scenarioTls.certificate, names, certsDir)
      : await loadCertificate({ certsDir, names, certFile: options.certFile, keyFile: options.keyFile });
  const keylog = options.keylogFile ? new KeylogWriter(resolve(options.keylogFile)) : null;
  const tls = new TlsProvider(material, keylog, {
    minVersion: options.tlsMinVersion ?? scenarioTls?.minVersion,
    maxVersion: options.tlsMaxVersion ?? scenarioTls?.maxVersion,
  });

  const store = new MailStore(
    options.maildir
      ? new MaildirBackend(resolve(options.maildir), { bodyCacheBytes: options.bodyCacheBytes })
      : memoryBackend,
    options.mailboxes,
    { maxMessages: options.maxMessages ?? (options.maildir ? undefined : DEFAULT_MAX_MESSAGES) },
  );
  store.onDropped((event) => bus.publish(droppedNote(event)));
  await store.load();
  if (options.scenario) await seedMail(store, options.scenario);

  const { mechanisms, triggers } = options;
  const makeEngine = (scenario: Scenario, seed?: number) =>
    new ScenarioEngine(scenario, { seed, bus, mechanisms, triggers });
  // The engine is always there: without a scenario it runs the built-in accept-all one.
  const engine = options.scenario
    ? makeEngine(options.scenario, options.seed)
    : new ScenarioEngine(defaultScenario(), { seed: options.seed, bus, mechanisms, triggers, builtIn: true });
  const scenarioUsers = options.scenario?.users;
  const users: UserDirectory = options.users
    ? userDirectory(options.users)
    : scenarioUsers && scenarioUsers !== 'accept-any'
      ? userDirectory(scenarioUsers)
      : { mode: 'accept-any' };
  const statuses: ListenerStatus[] = [];
  const ctx: ProtocolContext = {
    ports: (proto, tlsMode) =>
      statuses.filter((s) => s.proto === proto && s.tls === tlsMode && s.port !== null).map((s) => s.port!),
    bus,
    limits,
    tls,
    store,
    users,
    hostname,
    transcriptBodies: !!options.transcriptBodies,
    engine,
  };
  const recorder = options.record ? new TranscriptRecorder(bus, resolve(options.record)) : null;
  // Findings go back on the bus after the event that caused them has reached every subscriber
  // (publishing from inside a subscriber would overtake it in the ones not yet called).
  const findings = new FindingsRunner({
    onFinding: (finding) => queueMicrotask(() => bus.publish(finding)),
  });
  const unsubscribeFindings = bus.subscribe((event) => findings.ingest(event));

  const offset = options.portOffset ?? DEFAULT_PORT_OFFSET;
  const proxy = options.proxy;
  const wanted = LISTENERS.filter(
    (l) =>
      (!options.listeners || options.listeners.includes(l.name)) &&
      (!proxy || l.name in proxy.upstreams || l.proto === 'http'),
  );
  const handlers: ProtocolHandler[] = [];
  const handles: ListenerHandle[] = [];
  // The HTTP API reads the sandbox it belongs to; it answers 503 until startSandbox has returned.
  let sandbox: Sandbox | null = null;
  for (const def of wanted) {
    if (def.proto === 'http') {
      const http = await startHttpListener(
        { name: def.name, host, port: portFor(def, offset) },
        {
          sandbox: () => sandbox,
          scenario: () => ctx.engine?.scenario ?? null,
          limits,
          hostname,
          token: options.httpToken ?? null,
        },
      );
      handles.push(http);
      statuses.push(http.status);
      continue;
    }
    const factory = proxy
      ? (info: ListenerInfo, c: ProtocolContext) => createProxyHandler(info, c, proxy, keylog)
      : PROTOCOLS[def.proto];
    const spec = {
      name: def.name,
      proto: def.proto,
      tls: def.tls,
      requireAuth: def.requireAuth,
      host,
      port: portFor(def, offset),
      proxy: proxyInfo(proxy, def.name),
      goodbyes: GOODBYES[def.proto],
    };
    if (!factory) {
      statuses.push({
        ...spec,
        requestedPort: spec.port,
        port: null,
        error: `${def.proto} is not implemented yet`,
      });
      continue;
    }
    let handler: ProtocolHandler | null = null;
    const handle = await startListener(spec, ctx, (session) => handler!.accept(session));
    if (handle.status.port !== null) {
      handler = factory({ ...spec, port: handle.status.port }, ctx);
      handlers.push(handler);
    }
    handles.push(handle);
    statuses.push(handle.status);
  }

  const ports: Record<string, number> = {};
  for (const s of statuses) if (s.port !== null) ports[s.name] = s.port;

  let closed: Promise<void> | null = null;
  sandbox = {
    ports,
    listeners: statuses,
    host,
    hostname,
    httpTokenRequired: !!options.httpToken,
    certificate: {
      certPath: material.certPath,
      fingerprint256: material.fingerprint256,
      notAfter: material.notAfter,
      generated: material.generated,
    },
    store,
    messages: () => store.delivered(),
    transcript: {
      subscribe: (listener) => bus.subscribe(listener),
      history: (sid) => bus.history(sid),
      text: (sid) => formatTranscript(bus.history(sid)),
    },
    bus,
    report: () => findings.report(),
    get scenario() {
      const e = ctx.engine;
      return e.builtIn ? null : { name: e.name, seed: e.seed, random: e.hasRandomRules };
    },
    useScenario(scenario, seed) {
      ctx.engine = makeEngine(scenario, seed);
    },
    close() {
      closed ??= (async () => {
        await Promise.all(handles.map((h) => h.close()));
        await Promise.all(handlers.map((h) => h.close()));
        await store.close();
        unsubscribeFindings();
        await recorder?.close();
        await keylog?.close();
      })();
      return closed;
    },
  };
  return sandbox;
}
