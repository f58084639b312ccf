import { randomInt } from 'node:crypto';
import type { Credentials } from '../../auth/mechanism.js';
import type { AuthPolicy } from '../../scenario/engine.js';
import { verifyCredentials, type UserDirectory } from '../../auth/verify.js';
import { checkCommand } from '../../core/command-check.js';
import { ContinuationSlot, ErrorCount } from '../../core/line-conversation.js';
import { overflowNote } from '../../core/line-reader.js';
import type { Session } from '../../core/session.js';
import type { ProtocolContext } from '../context.js';
import { tryLockMaildrop } from './locks.js';
import { MaildropSnapshot, printableArg } from './maildrop.js';
import { TERMINATOR, textResponse } from './multiline.js';
import { COMMANDS } from './registry.js';
import { errors, renderError, type Pop3Error } from './replies.js';
import { Pop3Scenario, type Outcome } from './scenario.js';

/** Lines of a multi-line listing recorded one by one in the transcript; longer ones are summarised. */
export const LISTING_LINES_RECORDED = 100;

/** RFC 1939 §3: a session moves AUTHORIZATION → TRANSACTION → UPDATE and never back. */
export type Pop3State =
  | { kind: 'authorization'; user: string | null }
  | { kind: 'transaction'; user: string; maildrop: MaildropSnapshot; release: () => void }
  | { kind: 'update' };

export type Pop3StateKind = Pop3State['kind'];

/**
 * RFC 1939 §7 APOP timestamp: `<pid.random.clock@host>`. Only letters, digits, `.`, `<`, `>` and `@`:
 * mpop rejects `+`, `/` and `=` in it although the RFC allows them.
 */
function apopTimestamp(hostname: string): string {
  const host = hostname.replace(/[^A-Za-z0-9.]/g, '') || 'mailsandbox';
  return `<${process.pid}.${randomInt(1_000_000_000)}.${Date.now()}@${host}>`;
}

/** One POP3 connection: its state, the command dispatch and the reply helpers commands use. */
export class Pop3Session {
  state: Pop3State = { kind: 'authorization', user: null };
  /** The next client line belongs to a multi-step exchange (a SASL response), not to the parser; what
   *  the waiter returns is what the command queue waits for before the line after it. */
  readonly slot: ContinuationSlot<Promise<void> | void>;
  readonly timestamp: string;
  /** The scenario in force when the session opened (the library API may switch it for later ones). */
  readonly scenario: Pop3Scenario;
  /** The name in the greeting and in SASL challenges. */
  readonly hostname: string;
  private readonly errors: ErrorCount;

  constructor(
    readonly core: Session,
    readonly ctx: ProtocolContext,
  ) {
    this.scenario = new Pop3Scenario(ctx.engine, core);
    this.slot = new ContinuationSlot(core);
    this.errors = new ErrorCount(ctx.limits.maxErrorsInARow);
    this.hostname = this.scenario.hostname ?? ctx.hostname;
    this.timestamp = apopTimestamp(this.hostname);
  }

  get users(): UserDirectory {
    return this.scenario.users(this.ctx.users);
  }

  /** SASL mechanisms offered and accepted now, and whether logging in needs TLS first. */
  authPolicy(): AuthPolicy {
    return this.scenario.authPolicy();
  }

  /** True when a scenario wants TLS before any login and the session is not yet secure. */
  get loginNeedsTls(): boolean {
    return this.authPolicy().requireTls && this.core.tls === null;
  }

  /**
   * A login the scenario's auth policy does not allow (USER/PASS without PLAIN, APOP with the
   * mechanisms narrowed): refused in Dovecot's words, with a note naming the scenario. True if refused.
   */
  refusedByPolicy(how: 'USER/PASS' | 'APOP', username: string): boolean {
    const policy = this.authPolicy();
    const allowed = how === 'APOP' ? policy.apop : policy.plaintext;
    if (allowed) return false;
    const why =
      how === 'APOP'
        ? 'APOP is not enabled when the scenario names its mechanisms'
        : `USER/PASS is SASL PLAIN, which is not accepted (${policy.accepted.join(', ') || 'none'})`;
    this.core.note('info', `scenario ${this.scenario.name}: ${how} refused: ${why}`);
    this.core.auth(how, username, false);
    // Dovecot 2.3's replies with auth_mechanisms = scram-sha-256.
    this.fail(
      how === 'APOP'
        ? errors.protocol('APOP not enabled.')
        : errors.auth('Unsupported authentication mechanism.'),
    );
    return true;
  }

  /** Asks the scenario at `point` and plays its verdict. */
  async ask(
    point: 'command' | 'auth' | 'retr',
    extra: Parameters<Pop3Scenario['decide']>[1],
  ): Promise<Outcome> {
    const user = this.state.kind === 'update' ? null : this.state.user;
    return this.scenario.play(this.scenario.decide(point, { user, ...extra }), this);
  }

  start(): void {
    this.core.onClose(() => {
      // A dropped connection never reaches UPDATE (RFC 1939 §6): nothing is deleted, the lock goes.
      if (this.state.kind === 'transaction') this.state.release();
    });
    this.core.readLines({
      onLine: (line) => {
        const pipelined = this.core.busy;
        this.core.enqueue(() => this.handleLine(line, pipelined));
      },
      // Answered as soon as the line passes the limit, noted with its size when it ends (or is cut).
      onOverflow: (bytes, phase) => {
        if (phase === 'started')
          return this.core.enqueue(() => {
            this.slot.clear();
            this.fail(errors.lineTooLong());
          });
        const text = overflowNote(bytes, phase, this.ctx.limits.maxLineBytes, this.core.closed);
        if (phase === 'cut') this.core.note('warn', text);
        else this.core.enqueue(() => this.core.note('warn', text));
      },
      onTimeout: (kind) =>
        // RFC 1939 §3 autologout: close without entering UPDATE.
        this.line(`-ERR autologout: ${kind === 'idle' ? 'idle for too long' : 'command took too long'}`),
    });
    // Queued like a command: lines a client sends before the greeting wait for it.
    this.core.enqueue(() => this.greet());
  }

  private async greet(): Promise<void> {
    const scenario = this.scenario;
    if ((await scenario.play(scenario.decide('connect'), this)) === 'stop') return;
    if ((await scenario.play(scenario.decide('greeting'), this)) === 'stop') return;
    // RFC 1939 §7: the timestamp announces APOP; without APOP there is none (Dovecot too), so
    // clients such as curl do not try it.
    const timestamp = this.authPolicy().apop ? ` ${this.timestamp}` : '';
    this.line(`+OK ${scenario.greeting ?? 'mailsandbox ready'}${timestamp}`);
  }

  /** The TRANSACTION state; commands registered only for it may call this without checking. */
  transaction(): Extract<Pop3State, { kind: 'transaction' }> {
    if (this.state.kind !== 'transaction') throw new Error('not in the TRANSACTION state');
    return this.state;
  }

  // ---- replies ----------------------------------------------------------------------------------

  /** One reply line, recorded as far as it goes out (core/reply-writer.ts: a scenario's cut). */
  private line(text: string, decoded?: string): void {
    this.core.replies.line(text, decoded);
  }

  ok(text: string): void {
    this.errors.ok();
    this.line(text ? `+OK ${text}` : '+OK');
  }

  /** An `-ERR` reply; after `maxErrorsInARow` of them the session says so and closes. */
  fail(error: Pop3Error): void {
    if (!this.errors.fail()) {
      this.line(renderError(error));
      return;
    }
    const text = `${error.text} (${this.errors.inARow} errors in a row, closing the connection)`;
    this.line(renderError({ ...error, text }));
    this.core.close(`${this.errors.inARow} protocol errors in a row`);
  }

  /**
   * A multi-line text reply (CAPA, AUTH, LIST, UIDL), written at once. Recorded line by line, except
   * a listing longer than LISTING_LINES_RECORDED, which is summarised like a message body (unless
   * bodies were asked for): a 10,000-message LIST would otherwise push a tenth of the bounded
   * transcript out and cost more than the reply itself.
   */
  sendText(first: string, lines: readonly string[]): void {
    this.errors.ok();
    const text = textResponse(first, lines);
    const replies = this.core.replies;
    const size = replies.metered ? Buffer.byteLength(text) : 0;
    if (replies.metered && replies.sendable(size) < size) {
      // A scenario cuts this reply: record the wire lines (dot-stuffed) that went out.
      replies.recordLines(text.slice(0, -2).split('\r\n'), replies.sendable(size));
      return replies.write(text);
    }
    this.core.server(first);
    if (lines.length <= LISTING_LINES_RECORDED || this.ctx.transcriptBodies)
      for (const line of lines) this.core.server(line);
    else this.core.server(`<listing: ${lines.length} lines, ${text.length - first.length - 5} bytes>`);
    this.core.server('.');
    replies.write(text);
  }

  /**
   * A message (RETR, TOP): the status line, the dot-stuffed body and the terminator go out in one
   * corked write. The transcript gets a one-line summary unless bodies were asked for. Waits for the
   * socket to drain so a client that pipelines RETRs without reading cannot pile up messages here.
   */
  async sendMessage(first: string, stuffed: Buffer): Promise<void> {
    this.errors.ok();
    const head = Buffer.byteLength(first) + 2;
    const total = head + stuffed.length + TERMINATOR.length;
    // A scenario's cut may stop the reply anywhere: the transcript says only what went out.
    const replies = this.core.replies;
    const sent = replies.sendable(total);
    replies.recordLines([first], sent);
    const body = Math.max(0, Math.min(stuffed.length, sent - head));
    if (sent > head) {
      if (this.ctx.transcriptBodies) {
        // Whole lines that went out, then the part of the line the cut stopped in.
        const out = stuffed.subarray(0, body);
        const lastEnd = out.lastIndexOf('\r\n');
        if (lastEnd !== -1)
          for (const line of out.subarray(0, lastEnd).toString('utf8').split('\r\n')) this.core.server(line);
        const rest = out
          .subarray(lastEnd === -1 ? 0 : lastEnd + 2)
          .toString('utf8')
          .replace(/\r$/, '');
        if (rest) this.core.server(rest);
      } else if (body === stuffed.length) this.core.server(`<message body: ${stuffed.length} bytes>`);
      else this.core.server(`<message body: ${body} of ${stuffed.length} bytes sent>`);
    }
    if (sent === total) this.core.server('.');
    const socket = this.core.socket;
    socket.cork();
    replies.write(first + '\r\n');
    replies.write(stuffed);
    replies.write(TERMINATOR);
    socket.uncork();
    await this.core.drained();
  }

  /** A SASL challenge line (RFC 5034 §4: `+ ` and base64), with its decoded reading. */
  sendChallenge(base64: string, decoded: string | undefined): void {
    this.line(`+ ${base64}`, decoded);
  }

  // ---- login ------------------------------------------------------------------------------------

  /**
   * Every way in (USER/PASS, APOP, AUTH) ends here: check the credentials, lock the maildrop, number
   * its messages and enter TRANSACTION (RFC 1939 §4).
   */
  async login(credentials: Credentials, how: string): Promise<void> {
    const asked = await this.ask('auth', { mechanism: how, user: credentials.username });
    if (asked === 'stop') return this.core.auth(how, credentials.username, false);
    const ok = verifyCredentials(this.users, credentials);
    this.core.auth(how, credentials.username, ok);
    if (!ok) return this.fail(errors.auth(this.authPolicy().failure?.join(' ')));
    return this.enter(credentials.username);
  }

  /** After a successful login: lock the maildrop, number its messages and enter TRANSACTION. */
  async enter(username: string): Promise<void> {
    const { store } = this.ctx;
    const maildrop = store.maildropFor(username);
    const release = tryLockMaildrop(store, maildrop);
    if (!release) return this.fail(errors.inUse());
    let folder;
    try {
      folder = await store.folder(maildrop, 'INBOX');
    } catch (err) {
      release();
      return this.fail(errors.sysTemp(`cannot open the maildrop: ${(err as Error).message}`));
    }
    if (!folder) {
      release();
      return this.fail(errors.sysPerm('the maildrop has no INBOX'));
    }
    if (this.core.closed) return release();
    const snapshot = new MaildropSnapshot(maildrop, folder.messages);
    this.state = { kind: 'transaction', user: username, maildrop: snapshot, release };
    const { count, size } = snapshot.stat();
    this.ok(`${count} messages (${size} octets)`);
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private async handleLine(raw: Buffer, pipelined = false): Promise<void> {
    if (this.slot.waiting) return this.slot.hand(raw);
    const line = raw.toString('utf8');
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const rest = space === -1 ? '' : line.slice(space + 1);
    const spec = COMMANDS.get(verb);
    const args = spec?.args.rest ? (rest === '' ? [] : [rest]) : rest.split(/[ \t]+/).filter(Boolean);
    this.core.client(line, spec?.describe?.(args), pipelined);
    if (verb.trim() === '') return this.fail(errors.protocol('empty command'));
    if ((await this.ask('command', { command: verb, args: rest })) === 'stop') return;
    const check = checkCommand(spec, this.state.kind, args.length, (s) => [s.args.min, s.args.max]);
    switch (check.kind) {
      case 'unknown':
        return this.fail(errors.unknownCommand(printableArg(verb)));
      case 'wrong-state':
        return this.fail(errors.wrongState(verb, this.state.kind.toUpperCase()));
      case 'arity': {
        const { min, max } = check;
        const wanted = min === max ? `${min}` : `${min} to ${max}`;
        return this.fail(errors.protocol(`${verb} takes ${wanted} argument${max === 1 ? '' : 's'}`));
      }
      case 'ok':
        return check.row.handle(this, args);
    }
  }
}
