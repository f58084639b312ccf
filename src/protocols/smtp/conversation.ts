import type { AuthPolicy } from '../../auth/policy.js';
import type { UserDirectory } from '../../auth/verify.js';
import { ContinuationSlot } from '../../core/line-conversation.js';
import type { Session } from '../../core/session.js';
import type { DecisionContext, ScenarioEngine } from '../../scenario/engine.js';
import type { Point } from '../../scenario/schema.js';
import { PASS, type Verdict } from '../../scenario/verdicts.js';
import { describeSaslPayload } from '../../transcript/decode.js';
import { SMTP_COMMANDS, type SmtpCommandLine } from './commands.js';
import type { SandboxConnection } from './connection.js';
import { playVerdict, type Played } from './verdict.js';

/**
 * One SMTP connection as the sandbox sees it, whatever scenario runs (the built-in one when the user
 * chose none): the greeting, each command line (found by its wire name in SMTP_COMMANDS), the
 * scenario's questions with what SMTP knows at each, and the SASL exchange in progress.
 * smtp-server parses and runs everything the table hands on to it.
 */
export class SmtpConversation {
  /** The SMTP mail transaction (RFC 5321 §3.3, `per: transaction`): 1 from the first MAIL FROM. */
  transaction = 0;
  /** The one continuation slot (core/line-conversation.ts): a SASL exchange waiting for an answer. */
  readonly slot: ContinuationSlot;
  /** smtp-server's `done` for the line handed to the slot: its waiter ends that command. */
  lineDone: () => void = () => {};
  /** STARTTLS was accepted: lines until the handshake are smtp-server's to drop (RFC 3207 §4.2). */
  upgrading = false;
  /** The command being decided is DATA: a `cut` then cuts the incoming message, not the reply. */
  cutsIncoming = false;
  /** A cut waiting for the message of this DATA. */
  dataCut: { rule: string; afterBytes: number } | null = null;
  /** The command line in progress (the `args` of rules decided in smtp-server's hooks). */
  current: SmtpCommandLine = { name: '', args: '' };

  constructor(
    readonly engine: ScenarioEngine,
    readonly session: Session,
    readonly connection: SandboxConnection,
    private readonly fallbackUsers: UserDirectory,
    private readonly hostname: string,
  ) {
    session.onClose(() => engine.forget(session.sid));
    this.slot = new ContinuationSlot(session);
  }

  get section() {
    return this.engine.scenario.smtp;
  }

  /** The server name of this scenario (greeting, EHLO, challenges). */
  get serverName(): string {
    return this.section?.hostname ?? this.hostname;
  }

  get users(): UserDirectory {
    return this.engine.usersFor('smtp') ?? this.fallbackUsers;
  }

  get secure(): boolean {
    return this.connection.secure;
  }

  authPolicy(): AuthPolicy {
    return this.engine.authPolicy('smtp', this.secure);
  }

  private context(extra: Partial<DecisionContext>): DecisionContext {
    const env = this.connection.session.envelope;
    const user = this.connection.session.user;
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
    // Asked on every command: where nothing can act, the context is not built (the fast path).
    if (this.engine.passesAt('smtp', point, this.session.sid, extra.command)) return PASS;
    return this.engine.decide(point, this.context(extra));
  }

  /** Asks at `command` for the line in progress (with what smtp-server parsed, in its hooks). */
  decideCommand(extra?: Partial<DecisionContext>): Verdict {
    const { name, args } = this.current;
    // The fast path before any context object is made (every command of the built-in scenario).
    if (this.engine.passesAt('smtp', 'command', this.session.sid, name)) return PASS;
    return this.engine.decide('command', this.context({ command: name, args, ...extra }));
  }

  /** Plays a verdict in SMTP's words; see verdict.ts. */
  play(verdict: Verdict, played: Played): void {
    playVerdict(this, verdict, played);
  }

  /** Connect, then greeting (RFC 5321 §3.1: the 220, or a 554/421 refusal). */
  greet(send: (text: string) => void): void {
    const connect = this.decide('connect');
    // `pass` (every session of the built-in scenario): on without the closures a play needs.
    if (connect.kind === 'pass') return this.greeting(send);
    this.play(connect, {
      proceed: () => this.greeting(send),
      reply: (code, lines) => this.reply(code, lines),
    });
  }

  private greeting(send: (text: string) => void): void {
    const banner = `${this.serverName} ${this.section?.greeting ?? 'ESMTP mailsandbox ready'}`;
    const verdict = this.decide('greeting');
    if (verdict.kind === 'pass') return send(banner);
    this.play(verdict, { proceed: () => send(banner), reply: (code, lines) => this.reply(code, lines) });
  }

  /** A reply of our own, verbatim (no enhanced status code added). */
  reply(code: number, lines: string[]): void {
    this.connection.verbatimNext = true;
    this.connection.send(code, lines.length === 1 ? lines[0]! : lines);
  }

  /**
   * One command line from the client: recorded (`pipelined`: it came before the reply to the command
   * before it, RFC 2920), then its command's row in SMTP_COMMANDS runs.
   */
  line(raw: Buffer, proceed: () => void, done: () => void, pipelined = false): void {
    if (this.slot.waiting) {
      this.lineDone = done;
      return void this.slot.hand(raw);
    }
    const line = raw.toString('utf8');
    const space = line.indexOf(' ');
    const name = (space === -1 ? line : line.slice(0, space)).trim().toUpperCase();
    const args = space === -1 ? '' : line.slice(space + 1).trim();
    this.session.client(line, name === 'AUTH' ? describeInitialResponse(args) : undefined, pipelined);
    // Lines pipelined into a STARTTLS handshake: smtp-server drops them.
    if (this.upgrading) return proceed();
    this.current = { name, args };
    const command = SMTP_COMMANDS.get(name);
    this.cutsIncoming = name === 'DATA';
    // MAIL and RCPT are asked in smtp-server's hooks, once it parsed their addresses.
    if (command?.askedIn) return proceed();
    const run = command?.run;
    const verdict = this.decideCommand();
    // `pass` (nearly every line): straight on, without the closures a verdict's play needs.
    if (verdict.kind === 'pass') return run ? run(this, this.current, proceed, done) : proceed();
    this.play(verdict, {
      proceed: run ? () => run(this, { name, args }, proceed, done) : proceed,
      reply: (code, lines) => {
        this.reply(code, lines);
        done();
      },
    });
  }

  /** After AUTH: the session's user, and RFC 3848's transmission type (ESMTPA, ESMTPSA). */
  authenticated(user: string): void {
    const session = this.connection.session;
    session.user = user;
    const base = this.connection.openingCommand === 'EHLO' ? 'ESMTP' : 'SMTP';
    session.transmissionType = `${base}${this.secure ? 'S' : ''}A`;
  }
}

/** The transcript reading of `AUTH MECH initial-response`. */
function describeInitialResponse(args: string): string | undefined {
  const [mechanism, initial] = args.split(/\s+/);
  if (!mechanism || initial === undefined) return undefined;
  return initial === '=' ? 'empty initial response' : describeSaslPayload(mechanism, initial, 0);
}
