import type { UserDirectory } from '../../auth/verify.js';
import { overflowNote, type OverflowPhase } from '../../core/line-reader.js';
import type { Session } from '../../core/session.js';
import type { AuthPolicy, DecisionContext } from '../../scenario/engine.js';
import type { Point } from '../../scenario/schema.js';
import type { StoreChange } from '../../store/types.js';
import { describeSaslPayload } from '../../transcript/decode.js';
import type { ProtocolContext } from '../context.js';
import { capabilities, commandOffered } from './capabilities.js';
import { REPLIED, type CommandSpec } from './command.js';
import { sentLines, type ResponseWriter } from './compose.js';
import { bad, ImapError, no } from './errors.js';
import type { MailboxView } from './mailbox-view.js';
import { CommandFraming, type LiteralInfo } from './parser/framing.js';
import { parseCommand, tagOf } from './parser/tokenizer.js';
import { COMMANDS } from './registry.js';
import { ImapScenario, type ImapActions, type Outcome } from './scenario.js';

/** RFC 3501 §3: the connection states, with what each one knows. */
export type ImapState =
  | { kind: 'not-authenticated' }
  | { kind: 'authenticated'; user: string; drop: string }
  | { kind: 'selected'; user: string; drop: string; view: MailboxView }
  | { kind: 'logout' };

export type StateKind = ImapState['kind'];

/** The one continuation slot (SASL step, IDLE's DONE): the next client line goes here, not to the
 *  parser. `describe` gives the transcript's reading of the line (decoded SASL payloads); `refuse`
 *  ends the wait with the error the command answers (a line over the limit). */
interface Continuation {
  take(line: Buffer | null): void;
  refuse(err: ImapError): void;
  describe?(line: string): string | undefined;
}

/** Parenthesis depth a command may use (RFC 3501 SEARCH needs a few); stops a recursion attack. */
const MAX_NESTING = 32;

/** One IMAP connection on top of the core Session: framing, dispatch, state and untagged updates. */
export class ImapSession {
  state: ImapState = { kind: 'not-authenticated' };
  private continuation: Continuation | null = null;
  private readonly framing: CommandFraming;
  private errorsInARow = 0;
  private idling = false;
  private readonly unsubscribe: () => void;
  /** The scenario in force when the session opened (the library API may switch it for later ones). */
  readonly scenario: ImapScenario;

  constructor(
    readonly session: Session,
    readonly ctx: ProtocolContext,
  ) {
    this.scenario = new ImapScenario(ctx.engine, session, ctx.store);
    this.framing = new CommandFraming({
      readBytes: (n, sink, cut) => session.lineReader.readBytes(n, sink, cut),
      // APPEND carries a message; any other literal is a name or a search string (limits.ts).
      literalLimit: (command) =>
        command === 'APPEND' ? ctx.limits.maxMessageBytes : ctx.limits.maxSmallLiteralBytes,
      events: {
        command: (raw) => session.enqueue(() => this.dispatch(raw)),
        literalAccepted: () => session.enqueue(() => this.send('+ Ready for literal data')),
        literalRefused: (info, reason) => this.refuseLiteral(info, reason),
        literalReceived: (info, data) => this.recordLiteral(data),
        literalCut: (info, received) => this.literalCut(info, received),
      },
    });
    this.unsubscribe = ctx.store.onChange((change) => this.onStoreChange(change));
    session.onClose(() => {
      this.unsubscribe();
      this.state = { kind: 'logout' };
      this.continuation?.take(null);
      this.continuation = null;
    });
  }

  start(): void {
    this.session.readLines({
      onLine: (line) => this.onLine(line),
      onOverflow: (bytes, phase) => this.onOverflow(bytes, phase),
      onTimeout: (kind) =>
        this.send(
          kind === 'idle' ? '* BYE Autologout: idle for too long' : '* BYE Command took too long to arrive',
        ),
    });
    // The greeting is queued like a command (the queue exists once reading started), behind the
    // `connect` and `greeting` decisions; lines a client sends early wait for it.
    this.session.enqueue(() => this.greet());
  }

  private async greet(): Promise<void> {
    if ((await this.consult('connect', '*')) === 'stop') return;
    if ((await this.consult('greeting', '*')) === 'stop') return;
    const text = this.scenario.greeting ?? 'mailsandbox ready';
    this.send(`* OK [CAPABILITY ${this.capabilityText}] ${text}`);
  }

  // ---- scenario -----------------------------------------------------------------------------------

  /** Users of this session: the scenario's table, else the sandbox's. */
  get users(): UserDirectory {
    return this.scenario.users(this.ctx.users);
  }

  /** The name the server gives itself (SASL challenges). */
  get hostname(): string {
    return this.scenario.hostname ?? this.ctx.hostname;
  }

  authPolicy(): AuthPolicy {
    return this.scenario.authPolicy();
  }

  /**
   * Asks the scenario at `point` and plays its verdict, answering `tag`. `stillWanted` lets a
   * delayed verdict lapse when its moment passed (IDLE already ended).
   */
  async consult(
    point: Point,
    tag: string,
    extra: Partial<DecisionContext> = {},
    stillWanted?: () => boolean,
  ): Promise<Outcome> {
    const user =
      this.state.kind === 'authenticated' || this.state.kind === 'selected' ? this.state.user : null;
    const verdict = this.scenario.decide(point, { user, ...extra });
    return this.scenario.play(verdict, this.actionsFor(tag, extra, stillWanted));
  }

  private actionsFor(tag: string, extra: Partial<DecisionContext>, stillWanted?: () => boolean): ImapActions {
    return {
      tag,
      send: (line) => this.send(line),
      stillWanted,
      deselect: () => {
        if (this.state.kind === 'selected') this.deselect();
      },
      mailbox: () => {
        const state = this.state;
        if (state.kind !== 'authenticated' && state.kind !== 'selected') return null;
        // SELECT/EXAMINE act on the mailbox they name; any other command on the selected one.
        const named = /^(SELECT|EXAMINE)$/.test(extra.command ?? '') ? mailboxArgument(extra.args) : null;
        if (named) return { drop: state.drop, folder: named };
        return state.kind === 'selected' ? { drop: state.drop, folder: state.view.folder } : null;
      },
    };
  }

  // ---- input --------------------------------------------------------------------------------------

  private onLine(line: Buffer): void {
    const text = line.toString('utf8');
    if (this.continuation && !this.framing.midCommand) {
      const slot = this.continuation;
      this.session.client(text, slot.describe?.(text));
      this.continuation = null;
      slot.take(line);
      return;
    }
    // The empty line that ends a command after its literal says nothing the `{N bytes literal}` line
    // did not (RFC 3501 §4.3: the command goes on after the literal, here with nothing).
    if (this.framing.midCommand) {
      if (text !== '') this.session.client(text);
    } else this.session.client(text, describeCommandLine(text));
    this.framing.onLine(line);
  }

  /**
   * A line over the limit: answered as soon as it passes the limit (the client may be sending
   * megabytes more), noted with its size once it ended or the connection closed without its LF.
   */
  private onOverflow(bytes: number, phase: OverflowPhase): void {
    const { maxLineBytes } = this.ctx.limits;
    if (phase === 'started') {
      // As in onLine: a command half framed owns the line, not the slot.
      const slot = this.framing.midCommand ? null : this.continuation;
      this.framing.reset();
      const tooLong = `line is longer than ${maxLineBytes} bytes`;
      if (slot) {
        // The line is the one a command waits for (IDLE's DONE, a SASL response) while it holds the
        // queue: the command ends now with its tagged BAD, not at a next line the client will not send
        // before it is answered. RFC 3501 §6.2.2: a response the server cannot use rejects AUTHENTICATE
        // with BAD; RFC 2177 leaves IDLE to the server, and Dovecot answers `BAD Expected DONE.` at once.
        this.continuation = null;
        slot.refuse(bad(tooLong, 'TOOBIG'));
        return;
      }
      this.session.enqueue(() => this.countBad(`* BAD [TOOBIG] ${tooLong}`));
      return;
    }
    const text = overflowNote(bytes, phase, maxLineBytes, this.session.closed);
    // After the BAD (queued); a closing session runs no more tasks, and its close line comes next.
    if (phase === 'cut') this.session.note('warn', text);
    else this.session.enqueue(() => this.session.note('warn', text));
  }

  /** The connection closed (or STARTTLS discarded the input) in the middle of a literal, or after
   *  it but before the line that ends its command. */
  private literalCut(info: LiteralInfo, received: number): void {
    const what = this.session.closed ? 'connection closed' : 'input discarded at STARTTLS';
    const how =
      received < info.size
        ? `${what} after ${received} of ${info.size} literal bytes`
        : `${what} after the ${info.size}-byte literal, before the end of the command`;
    this.session.note(
      'warn',
      info.command === 'APPEND'
        ? `message not stored: ${how}`
        : `command ${info.tag} ${info.command} not run: ${how}`,
    );
  }

  private recordLiteral(data: Buffer): void {
    if (this.ctx.transcriptBodies) {
      for (const line of data.toString('utf8').split(/\r?\n/)) this.session.client(line);
      return;
    }
    const end = data.indexOf(10);
    const first = data
      .subarray(0, Math.min(end < 0 ? data.length : end, 200))
      .toString('utf8')
      .replace(/\r$/, '');
    this.session.client(`{${data.length} bytes literal}${first ? ' ' + JSON.stringify(first) : ''}`);
  }

  private refuseLiteral(info: LiteralInfo, reason: string): void {
    if (info.nonSync || info.tag === '*') {
      // RFC 7888 §4: the bytes of a refused non-synchronising literal are already on their way; there
      // is no telling where the next command starts, so the only safe answer is to hang up.
      this.send(`${info.tag} BAD [TOOBIG] ${reason}`);
      this.send('* BYE Cannot skip the literal, closing');
      this.session.close(reason);
      return;
    }
    // RFC 3501 §7.5: instead of `+`, a tagged reply ends the command; the client never sends the bytes.
    this.session.enqueue(() => {
      this.session.note('warn', reason);
      this.send(`${info.tag} NO [TOOBIG] ${reason}`);
    });
  }

  /** Waits for the next client line through the continuation slot; null when the session closed. */
  nextLine(describe?: (line: string) => string | undefined): Promise<Buffer | null> {
    if (this.session.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.continuation = { take: resolve, refuse: reject, describe };
    });
  }

  // ---- dispatch -----------------------------------------------------------------------------------

  private async dispatch(raw: Buffer): Promise<void> {
    if (this.session.closed) return;
    const tag = tagOf(raw) ?? '*';
    let spec: CommandSpec | undefined;
    try {
      const parsed = parseCommand(raw, MAX_NESTING);
      let name = parsed.name;
      let args = parsed.args;
      const uid = name === 'UID';
      if (uid) {
        const sub = args[0];
        if (sub?.type !== 'atom')
          throw bad('UID needs a command: FETCH, STORE, COPY, MOVE, SEARCH or EXPUNGE');
        name = `UID ${sub.value.toUpperCase()}`;
        args = args.slice(1);
      }
      spec = COMMANDS.get(name);
      // A command whose capability a scenario removed is unknown, as on a server without it.
      if (!spec || !commandOffered(this, spec)) throw bad(`unknown command ${name}`);
      // State and arity are checked here, once, before any handler runs.
      if (!spec.states.includes(this.state.kind))
        throw bad(`${name} is not allowed ${stateText(this.state)}`);
      const [min, max] = spec.args;
      if (args.length < min || args.length > max)
        throw bad(
          `${name} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} arguments`,
        );
      if (this.state.kind === 'selected' && this.state.view.vanished) {
        const verdict = spec.whenVanished ?? (spec.states.includes('authenticated') ? 'run' : 'bye');
        if (verdict === 'bye') return this.byeVanished(this.state.view);
        if (verdict === 'no') throw no('Mailbox was deleted under us');
      }
      if (
        (await this.consult('command', parsed.tag, {
          command: name,
          args: argumentText(raw, uid),
        })) === 'stop'
      )
        return;
      const result = await spec.handle({ imap: this, tag: parsed.tag, name, uid, args });
      // A scenario's BYE during the command (IDLE) closed the session: no tagged reply follows it.
      if (result === REPLIED || this.session.closed) return;
      this.flushUpdates(!spec.holdsExpunge);
      this.errorsInARow = 0;
      this.send(`${parsed.tag} OK ${result || `${name} completed`}`);
      if (this.state.kind === 'logout') this.session.close('client logged out');
    } catch (err) {
      if (!(err instanceof ImapError)) {
        this.session.note('error', `internal error: ${(err as Error).stack ?? String(err)}`);
        this.send(`${tag} NO [SERVERBUG] internal error: ${(err as Error).message}`);
        return;
      }
      if (this.session.closed) return;
      if (this.state.kind === 'selected') this.flushUpdates(!spec?.holdsExpunge);
      if (err.status === 'NO') {
        this.errorsInARow = 0;
        this.send(`${tag} NO ${err.responseText}`);
      } else this.countBad(`${tag} BAD ${err.responseText}`);
    }
  }

  /** Sends a BAD; too many in a row and the session ends (limits.maxErrorsInARow). */
  private countBad(line: string): void {
    this.send(line);
    if (++this.errorsInARow < this.ctx.limits.maxErrorsInARow) return;
    this.send(`* BYE Too many errors in a row (${this.errorsInARow})`);
    this.session.close(`too many errors in a row (${this.errorsInARow})`);
  }

  // ---- output -------------------------------------------------------------------------------------

  /** One response line (CRLF added), recorded with its `decoded` reading as far as it goes out. */
  send(line: string, decoded?: string): void {
    this.session.replies.line(line, decoded);
  }

  untagged(text: string): void {
    this.send(`* ${text}`);
  }

  /** Ends the writer's current response and records it, unless a scenario's cut is on: then
   *  `writeResponses` records it, as far as it goes out. */
  endResponse(w: ResponseWriter): void {
    const text = w.end();
    if (!this.session.replies.metered) this.session.server(text);
  }

  /** Writes the responses the writer ended since the last call (see endResponse). */
  writeResponses(w: ResponseWriter): void {
    const chunks = w.take();
    const replies = this.session.replies;
    if (replies.metered) {
      const size = chunks.reduce((n, chunk) => n + chunk.length, 0);
      for (const line of sentLines(chunks, replies.sendable(size), w.literalPreview))
        this.session.server(line);
    }
    for (const chunk of chunks) replies.write(chunk);
  }

  /**
   * Runs `work` with the socket corked, flushing every `batch` responses: a FETCH over thousands of
   * messages goes out in a few large writes instead of one syscall per message. `beforeFlush` writes
   * what the work has held back (responses collected into one Buffer) before each flush.
   */
  async batched(
    work: (flushPoint: () => Promise<void>) => Promise<void>,
    batch = 64,
    beforeFlush?: () => void,
  ): Promise<void> {
    const socket = this.session.socket;
    let pending = 0;
    socket.cork();
    try {
      await work(async () => {
        if (++pending < batch) return;
        pending = 0;
        beforeFlush?.();
        socket.uncork();
        await this.session.drained();
        socket.cork();
      });
    } finally {
      beforeFlush?.();
      socket.uncork();
    }
  }

  // ---- state --------------------------------------------------------------------------------------

  /** The logged-in user and maildrop; commands run only in states that have one (registry). */
  get account(): { user: string; drop: string } {
    if (this.state.kind !== 'authenticated' && this.state.kind !== 'selected') throw bad('not logged in');
    return { user: this.state.user, drop: this.state.drop };
  }

  get selected(): { drop: string; view: MailboxView } {
    if (this.state.kind !== 'selected') throw bad('no mailbox selected');
    return { drop: this.state.drop, view: this.state.view };
  }

  loggedIn(user: string): void {
    this.state = { kind: 'authenticated', user, drop: this.ctx.store.maildropFor(user) };
  }

  select(view: MailboxView): void {
    const { user, drop } = this.account;
    this.state = { kind: 'selected', user, drop, view };
  }

  deselect(): void {
    const { user, drop } = this.account;
    this.state = { kind: 'authenticated', user, drop };
  }

  logout(): void {
    this.state = { kind: 'logout' };
  }

  get capabilityText(): string {
    return capabilities(this).join(' ');
  }

  /** STARTTLS: the framing forgets pipelined input together with the core (RFC 3501 §6.2.1). */
  async startTls(): Promise<boolean> {
    this.framing.reset();
    return this.session.startTls();
  }

  // ---- updates from other sessions ----------------------------------------------------------------

  private onStoreChange(change: StoreChange): void {
    if (this.state.kind !== 'selected') return;
    const { drop, view } = this.state;
    if (change.maildrop !== drop || change.folder !== view.folder || view.vanished) return;
    if (!view.observe(change) || !this.idling) return;
    if (view.vanished) this.byeVanished(view);
    else this.flushUpdates(true);
  }

  /** Sends what other sessions changed in the selected mailbox (RFC 3501 §7.3.1, §7.4.1). */
  flushUpdates(allowExpunge: boolean): void {
    if (this.state.kind !== 'selected' || this.state.view.vanished) return;
    for (const line of this.state.view.flush(allowExpunge)) this.send(line);
  }

  /**
   * Another session deleted or renamed the selected mailbox. Dovecot 2.3 hangs up at the next command
   * that uses it (at once during IDLE) with this BYE; RFC 3501 leaves it to the server (§6.3.4 only
   * allows deleting it).
   */
  private byeVanished(view: MailboxView): void {
    const vanished = view.vanished;
    const how = vanished?.kind === 'renamed' ? `renamed to ${vanished.to}` : 'deleted';
    this.session.note('warn', `the selected mailbox ${view.folder} was ${how}`);
    // Dovecot's two texts: its own DELETE, or a change made by another session.
    if (vanished?.kind === 'deleted' && vanished.bySelf)
      this.send('* BYE Selected mailbox was deleted, have to disconnect.');
    else this.send('* BYE IMAP session state is inconsistent, please relogin.');
    this.session.close(`selected mailbox ${view.folder} was ${how}`);
  }

  /** IDLE (RFC 2177): updates go out as they happen until the client says DONE. */
  async idle(): Promise<Buffer | null> {
    this.idling = true;
    // RFC 2177 §3: clients stay in IDLE for up to 29 minutes, far longer than the idle timeout.
    const socket = this.session.socket;
    socket.setTimeout(this.ctx.limits.imapIdleTimeoutMs);
    try {
      const done = this.nextLine();
      this.send('+ idling');
      this.flushUpdates(true);
      // The `idle` decision plays while the client waits (a BYE two seconds in), not before `+ idling`.
      this.consult('idle', '*', { command: 'IDLE' }, () => this.idling && !this.session.closed).catch(
        (err: Error) => this.session.note('error', `scenario at IDLE: ${err.message}`),
      );
      return await done;
    } finally {
      this.idling = false;
      if (!this.session.closed) socket.setTimeout(this.ctx.limits.idleTimeoutMs);
    }
  }
}

function stateText(state: ImapState): string {
  switch (state.kind) {
    case 'not-authenticated':
      return 'before login';
    case 'authenticated':
      return 'without a selected mailbox';
    case 'selected':
      return 'after login';
    case 'logout':
      return 'after LOGOUT';
  }
}

/** The transcript's reading of a command line: SASL-IR initial responses decoded. */
function describeCommandLine(text: string): string | undefined {
  const m = /^\S+ AUTHENTICATE (\S+) (\S+)$/i.exec(text);
  return m ? describeInitial(m[1]!, m[2]!) : undefined;
}

function describeInitial(mechanism: string, payload: string): string {
  return payload === '=' ? 'empty initial response' : describeSaslPayload(mechanism, payload, 0);
}

/** The arguments of a command line as typed, after the tag, the name and a UID prefix (rules' `args`). */
function argumentText(raw: Buffer, uid: boolean): string {
  const line = raw.toString('utf8');
  const words = line.split(' ');
  return words
    .slice(uid ? 3 : 2)
    .join(' ')
    .replace(/\r?\n$/, '');
}

/** The mailbox name of a SELECT/EXAMINE argument text, unquoted. */
function mailboxArgument(args: string | undefined): string | null {
  if (!args) return null;
  const m = /^"((?:[^"\\]|\\.)*)"|^(\S+)/.exec(args);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
}
