import type { Socket } from 'node:net';
import type { Credentials, Mechanism, SaslExchange, SaslStep } from '../auth/mechanism.js';
import { findMechanism } from '../auth/registry.js';
import { passwordLookup, verifyCredentials, type UserDirectory } from '../auth/verify.js';
import type { Session } from '../core/session.js';
import { decodeBase64 } from '../transcript/decode.js';
import type { DecisionContext, ScenarioEngine } from './engine.js';
import { describeCut, installWriteFault } from './faults.js';
import type { Point } from './schema.js';
import type { ActiveVerdict, Verdict } from './verdicts.js';

/** What the SMTP side of a scenario needs from smtp-server's connection (SandboxConnection). */
export interface SmtpWire {
  send(code: number, data: string | string[], context?: string | false): void;
  close(): void;
  readonly socket: Socket;
  readonly secure: boolean;
  readonly session: {
    user?: unknown;
    envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] };
  };
  /** smtp-server's RFC 3848 transmission type after AUTH (ESMTPA / ESMTPSA). */
  authenticated(user: string): void;
}

/** Google's XOAUTH2 error challenge (smtp-server sends the same); OAUTHBEARER brings its own. */
const XOAUTH2_ERROR = JSON.stringify({ status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' });

type SaslState =
  | { step: 'none' }
  | { step: 'exchange'; mechanism: Mechanism; exchange: SaslExchange }
  /** After a refused token: the client owes one dummy line before the 535 (RFC 7628 §3.2.3). */
  | { step: 'error-ack'; mechanism: Mechanism; username: string };

/**
 * One SMTP connection's side of the scenario: the greeting, each command, AUTH (every mechanism,
 * through the shared src/auth implementations, so DIGEST-MD5, SCRAM and OAUTHBEARER work on SMTP
 * although smtp-server does not know them), EHLO keywords, STARTTLS policy and end of DATA.
 * smtp-server still parses and runs everything the scenario lets through.
 */
export class SmtpScenario {
  private sasl: SaslState = { step: 'none' };
  /** The command being decided is DATA: a `cut` then cuts the incoming message, not the reply. */
  private cutsIncoming = false;
  /** A cut waiting for the message of this DATA. */
  private dataCut: { rule: string; afterBytes: number } | null = null;
  /** The session's mail transaction (`per: transaction`): 1 from the first MAIL FROM, 0 before it. */
  private transaction = 0;

  constructor(
    private readonly engine: ScenarioEngine,
    private readonly session: Session,
    private readonly wire: SmtpWire,
    private readonly fallbackUsers: UserDirectory,
    private readonly hostname: string,
  ) {
    session.onClose(() => engine.forget(session.sid));
  }

  private get section() {
    return this.engine.scenario.smtp;
  }

  /** The server name of this scenario (greeting, EHLO, challenges). */
  get serverName(): string {
    return this.section?.hostname ?? this.hostname;
  }

  get saslPending(): boolean {
    return this.sasl.step !== 'none';
  }

  private get users(): UserDirectory {
    return this.engine.usersFor('smtp') ?? this.fallbackUsers;
  }

  private context(extra: Partial<DecisionContext> = {}): DecisionContext {
    const env = this.wire.session.envelope;
    const user = this.wire.session.user;
    return {
      sid: this.session.sid,
      proto: 'smtp',
      client: this.session.remoteAddress,
      sender: env.mailFrom ? env.mailFrom.address : undefined,
      user: typeof user === 'string' ? user : null,
      transaction: this.transaction,
      sessionAgeMs: Date.now() - this.session.openedAt,
      ...extra,
    };
  }

  decide(point: Point, extra: Partial<DecisionContext> = {}): Verdict {
    return this.engine.decide(point, this.context(extra));
  }

  // ---- rendering --------------------------------------------------------------------------------

  /**
   * Plays a verdict in SMTP's words; `proceed` is what would have happened without the scenario.
   * Transport faults (throttle, slice, a cut of the reply) are installed, then `proceed` runs.
   * `answered` runs after a reply of the scenario's own went out (the command is over);
   * `sendReply` sends it where smtp-server's hook callback must carry it (end of DATA).
   */
  render(
    v: Verdict,
    proceed: () => void,
    answered: () => void = () => {},
    sendReply?: (code: number, lines: string[]) => void,
  ): void {
    if (v.kind === 'pass') return proceed();
    const act = () => this.act(v, proceed, answered, sendReply);
    if (v.delayMs > 0) setTimeout(act, v.delayMs).unref();
    else act();
  }

  private act(
    v: ActiveVerdict,
    proceed: () => void,
    answered: () => void,
    sendReply?: (code: number, lines: string[]) => void,
  ): void {
    if (this.session.closed) return;
    const socket = this.wire.socket;
    switch (v.kind) {
      case 'delay':
        return proceed();
      case 'reply':
        // Our own text, verbatim: no enhanced status code added (context false).
        if (sendReply) sendReply(v.code, v.lines);
        else this.wire.send(v.code, v.lines.length === 1 ? v.lines[0]! : v.lines, false);
        // smtp-server closes after any 421 by itself (RFC 5321 §3.8).
        if (v.close && v.code !== 421) this.wire.close();
        return answered();
      case 'disconnect':
        if (v.how === 'rst') this.session.reset(`scenario rule ${v.rule}: reset`);
        else this.session.close(`scenario rule ${v.rule}: disconnect`);
        return;
      case 'stall':
        // Nothing more is read (smtp-server waits for this command's end) and nothing is written.
        if (v.closeAfterMs !== null)
          setTimeout(() => this.session.close(`scenario rule ${v.rule}: stalled`), v.closeAfterMs).unref();
        return;
      case 'throttle':
        installWriteFault(socket, { kind: 'throttle', bytesPerSecond: v.bytesPerSecond });
        return proceed();
      case 'slice':
        installWriteFault(socket, { kind: 'slice', bytes: v.bytes, pieceDelayMs: v.pieceDelayMs });
        return proceed();
      case 'cut':
        // Asked at DATA: cut the incoming message (see cutMessage); elsewhere: cut the outgoing reply.
        if (this.cutsIncoming) {
          this.dataCut = { rule: v.rule, afterBytes: v.afterBytes };
        } else {
          installWriteFault(socket, {
            kind: 'cut',
            afterBytes: v.afterBytes,
            // FIN as on IMAP and POP3 (toxiproxy's limit_data): an RST may discard the bytes let out.
            onCut: (cut) => {
              this.session.note('info', describeCut(v.rule, cut));
              this.session.close(
                `scenario rule ${v.rule}: connection cut after ${cut.sent} bytes, mid-reply`,
              );
            },
          });
        }
        return proceed();
      case 'imap-status':
      case 'imap-uidvalidity-change':
      case 'imap-expunge':
      case 'pop3-err':
        // The schema keeps these out of smtp rules; nothing to render in SMTP.
        return proceed();
    }
  }

  // ---- decision points --------------------------------------------------------------------------

  /** Connect, then greeting (RFC 5321 §3.1: the 220, or a 554/421 refusal). */
  greet(sendGreeting: (text: string) => void): void {
    const banner = `${this.serverName} ${this.section?.greeting ?? 'ESMTP mailsandbox ready'}`;
    this.render(this.decide('connect'), () =>
      this.render(this.decide('greeting'), () => sendGreeting(banner)),
    );
  }

  /**
   * One command line. `proceed` hands it to smtp-server; `done` tells smtp-server's parser that the
   * command is over when we answered it ourselves.
   */
  command(line: string, proceed: () => void, done: () => void): void {
    if (this.sasl.step !== 'none') return this.saslLine(line, done);
    const m = /^([A-Za-z]+)(?:\s+(.*))?$/s.exec(line.trim());
    const name = (m?.[1] ?? '').toUpperCase();
    const args = m?.[2] ?? '';
    const extra: Partial<DecisionContext> = { command: name, args };
    if (name === 'RCPT') extra.recipient = /<([^>]*)>/.exec(args)?.[1] ?? args;
    if (name === 'MAIL') extra.sender = /<([^>]*)>/.exec(args)?.[1] ?? args;
    // RFC 5321 §3.3: a MAIL outside a transaction starts one. smtp-server clears the envelope's
    // sender at the end of DATA, RSET, HELO/EHLO and STARTTLS, and never sets it for a refused MAIL
    // (nor does a MAIL our rule answered reach it), so a MAIL after a failed one starts a new one too.
    if (name === 'MAIL' && !this.wire.session.envelope.mailFrom) this.transaction++;
    this.cutsIncoming = name === 'DATA';
    this.render(
      this.decide('command', extra),
      () => {
        if (name === 'AUTH') return this.startAuth(args, done);
        if (name === 'STARTTLS') return this.startTls(proceed, done);
        proceed();
      },
      done,
    );
  }

  /** EHLO keywords as the scenario wants them (RFC 5321 §4.1.1.1; AUTH per RFC 4954 §3). */
  ehloKeywords(keywords: string[]): string[] {
    const policy = this.engine.authPolicy('smtp', this.wire.secure);
    const starttls = this.section?.starttls ?? 'offer';
    const remove = new Set(
      (this.section?.capabilities?.remove ?? []).map((c) => c.split(' ')[0]!.toUpperCase()),
    );
    const out: string[] = [];
    let authAt = -1;
    for (const keyword of keywords) {
      const word = keyword.split(' ')[0]!.toUpperCase();
      if (word === 'AUTH') authAt = out.length;
      if (remove.has(word) || word === 'AUTH') continue;
      if (word === 'STARTTLS' && starttls === 'hide') continue;
      if (word === 'SIZE' && this.section?.size) {
        out.push(`SIZE ${this.section.size}`);
        continue;
      }
      out.push(keyword);
    }
    if (policy.advertised.length && !this.wire.session.user && !remove.has('AUTH'))
      out.splice(authAt >= 0 ? authAt : out.length, 0, `AUTH ${policy.advertised.join(' ')}`);
    out.push(...(this.section?.capabilities?.add ?? []));
    return out;
  }

  /**
   * The message of a DATA whose rule says `cut`: it is read the usual way, and once `afterBytes` of it
   * came in (counted exactly, dot-stuffing undone) the stream is destroyed, so nothing is stored and
   * no reply goes out, and the connection closes with a FIN. smtp-server goes on reading (and
   * dropping) what the client still sends, so the close is not turned into an RST by unread input.
   * A message shorter than `afterBytes` ends before the cut and is stored as usual. Done on
   * smtp-server's message stream, not the socket, so the final dot can never slip through. The caller
   * carries on with the message either way (the cut, if any, interrupts it).
   */
  cutMessage(stream: NodeJS.ReadableStream & { destroy(error?: Error): void }): void {
    const cut = this.dataCut;
    if (!cut) return;
    this.dataCut = null;
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received >= cut.afterBytes) cutNow();
    };
    const cutNow = () => {
      stream.removeListener('data', onData);
      if (this.session.closed) return;
      const more = received - cut.afterBytes;
      this.session.client(`<message body: ${cut.afterBytes} bytes, then cut>`);
      this.session.note(
        'info',
        `scenario rule ${cut.rule}: message cut after ${cut.afterBytes} bytes` +
          (more > 0 ? ` (${more} more bytes had arrived: read and dropped, as is the rest)` : '') +
          '; no reply, the connection closes',
      );
      this.session.close(`scenario rule ${cut.rule}: connection cut in DATA after ${cut.afterBytes} bytes`);
      stream.destroy(new Error(`cut by scenario rule ${cut.rule}`));
    };
    if (cut.afterBytes === 0) return cutNow();
    stream.on('data', onData);
    stream.once('end', () => stream.removeListener('data', onData));
  }

  /** End of DATA, before the message is stored: a non-pass verdict means it is not stored. */
  dataEnd(): Verdict {
    return this.decide('data-end', { recipient: this.wire.session.envelope.rcptTo[0]?.address });
  }

  // ---- STARTTLS ---------------------------------------------------------------------------------

  private startTls(proceed: () => void, done: () => void): void {
    switch (this.section?.starttls ?? 'offer') {
      case 'offer':
        return proceed();
      case 'hide':
        this.wire.send(502, '5.5.1 STARTTLS is not offered here', false);
        return done();
      case 'refuse':
        // RFC 3207 §4: 454 TLS not available due to temporary reason.
        this.wire.send(454, '4.7.0 TLS not available due to temporary reason', false);
        return done();
      case 'abort':
        // Say yes, then drop the connection as the client starts the handshake.
        this.session.note('info', 'scenario: STARTTLS accepted, the handshake will be aborted');
        this.wire.send(220, '2.0.0 Ready to start TLS', false);
        this.wire.socket.once('data', () => this.session.reset('scenario: TLS handshake aborted'));
        return;
    }
  }

  // ---- AUTH (RFC 4954) --------------------------------------------------------------------------

  private startAuth(args: string, done: () => void): void {
    const [name = '', initial] = args.trim().split(/\s+/);
    const policy = this.engine.authPolicy('smtp', this.wire.secure);
    const finish = (code: number, text: string) => {
      this.wire.send(code, text, false);
      done();
    };
    if (this.wire.session.user) return finish(503, '5.5.1 Error: already authenticated');
    if (policy.requireTls && !this.wire.secure)
      return finish(530, '5.7.0 Must issue a STARTTLS command first');
    const mechanism = findMechanism(name);
    if (!mechanism || !policy.accepted.includes(mechanism.name))
      return finish(504, '5.5.4 Unrecognized authentication type');
    const exchange = mechanism.create({ hostname: this.serverName, passwordOf: passwordLookup(this.users) });
    this.sasl = { step: 'exchange', mechanism, exchange };
    let first: Buffer | null = null;
    if (initial !== undefined) {
      // RFC 4954 §4: "=" is an empty initial response.
      first = initial === '=' ? Buffer.alloc(0) : decodeBase64(initial);
      if (!first) return this.abortSasl(501, '5.5.2 Cannot decode the initial response (not base64)', done);
    }
    this.saslStep(exchange.start(first), done);
  }

  private abortSasl(code: number, text: string, done: () => void): void {
    this.sasl = { step: 'none' };
    this.wire.send(code, text, false);
    done();
  }

  private saslLine(line: string, done: () => void): void {
    const state = this.sasl;
    // RFC 4954 §4: "*" cancels the exchange.
    if (line.trim() === '*') return this.abortSasl(501, '5.7.0 Authentication aborted', done);
    if (state.step === 'error-ack') {
      this.sasl = { step: 'none' };
      return this.refuse(done);
    }
    if (state.step !== 'exchange') return done();
    const payload = decodeBase64(line);
    if (!payload) return this.abortSasl(501, '5.5.2 Cannot decode the response (not base64)', done);
    this.saslStep(state.exchange.step(payload), done);
  }

  private saslStep(step: SaslStep, done: () => void): void {
    const state = this.sasl;
    if (state.step !== 'exchange') return done();
    switch (step.kind) {
      case 'challenge':
        this.wire.send(334, step.data.toString('base64'), false);
        return done();
      case 'fail':
        this.session.note('warn', `AUTH ${state.mechanism.name}: ${step.reason}`);
        return this.abortSasl(501, `5.5.2 ${step.reason}`, done);
      case 'done':
        return this.finishAuth(state.mechanism, step.credentials, done);
    }
  }

  private finishAuth(mechanism: Mechanism, credentials: Credentials, done: () => void): void {
    this.sasl = { step: 'none' };
    const username = credentials.username;
    const verdict = this.decide('auth', { mechanism: mechanism.name, user: username });
    if (verdict.kind !== 'pass' && verdict.kind !== 'delay') {
      this.session.auth(mechanism.name, username, false);
      return this.render(verdict, done, done);
    }
    this.render(verdict, () => {
      const ok = verifyCredentials(this.users, credentials);
      if ('proof' in credentials && credentials.proof === 'unchecked')
        this.session.note('info', `${mechanism.name}: accept-any mode, the proof was not checked`);
      if (ok) {
        this.session.auth(mechanism.name, username, true);
        this.wire.authenticated(username);
        this.wire.send(235, '2.7.0 Authentication successful', false);
        return done();
      }
      this.session.auth(mechanism.name, username, false);
      const errorChallenge =
        mechanism.errorChallenge?.() ?? (mechanism.name === 'XOAUTH2' ? Buffer.from(XOAUTH2_ERROR) : null);
      if (errorChallenge) {
        this.sasl = { step: 'error-ack', mechanism, username };
        this.wire.send(334, errorChallenge.toString('base64'), false);
        return done();
      }
      this.refuse(done);
    });
  }

  private refuse(done: () => void): void {
    this.wire.send(535, '5.7.8 Authentication credentials invalid', false);
    done();
  }
}
