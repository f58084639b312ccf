import type { UserDirectory } from '../../auth/verify.js';
import { ContinuationSlot, ErrorCount, nextLine } from '../../core/line-conversation.js';
import type { Session } from '../../core/session.js';
import type { AuthPolicy, DecisionContext } from '../../scenario/engine.js';
import type { Point } from '../../scenario/schema.js';
import type { ProtocolContext } from '../context.js';
import { capabilities } from './capabilities.js';
import { sentLines, type ResponseWriter } from './compose.js';
import { bad } from './errors.js';
import { dispatch, mailboxArgument } from './dispatch.js';
import { literalCut, onLine, onOverflow, recordLiteral, refuseLiteral } from './input.js';
import type { MailboxView } from './mailbox-view.js';
import { CommandFraming } from './parser/framing.js';
import { ImapScenario, type ImapActions, type Outcome } from './scenario.js';
import { flushUpdates, idle, onStoreChange } from './updates.js';

/** RFC 3501 §3: the connection states, with what each one knows. */
export type ImapState =
  | { kind: 'not-authenticated' }
  | { kind: 'authenticated'; user: string; drop: string }
  | { kind: 'selected'; user: string; drop: string; view: MailboxView }
  | { kind: 'logout' };

export type StateKind = ImapState['kind'];

/**
 * One IMAP connection on top of the core Session: its state, the scenario glue and the output helpers
 * commands use. Input (input.ts), dispatch (dispatch.ts) and updates from other sessions (updates.ts)
 * live beside it.
 */
export class ImapSession {
  state: ImapState = { kind: 'not-authenticated' };
  /** The one continuation slot (SASL step, IDLE's DONE): the next client line goes here, not to the
   *  parser; a line over the limit refuses it with the error the command answers. */
  readonly slot: ContinuationSlot;
  readonly framing: CommandFraming;
  /** BADs in a row (a NO or OK starts the count again). */
  readonly errors: ErrorCount;
  /** IDLE is running: store changes go out at once (updates.ts). */
  idling = false;
  private readonly unsubscribe: () => void;
  /** The scenario in force when the session opened (the library API may switch it for later ones). */
  readonly scenario: ImapScenario;

  constructor(
    readonly session: Session,
    readonly ctx: ProtocolContext,
  ) {
    this.scenario = new ImapScenario(ctx.engine, session, ctx.store);
    this.slot = new ContinuationSlot(session);
    this.errors = new ErrorCount(ctx.limits.maxErrorsInARow);
    this.framing = new CommandFraming({
      readBytes: (n, sink, cut) => session.lineReader.readBytes(n, sink, cut),
      // APPEND carries a message; any other literal is a name or a search string (limits.ts).
      literalLimit: (command) =>
        command === 'APPEND' ? ctx.limits.maxMessageBytes : ctx.limits.maxSmallLiteralBytes,
      events: {
        command: (raw) => session.enqueue(() => dispatch(this, raw)),
        literalAccepted: () => session.enqueue(() => this.send('+ Ready for literal data')),
        literalRefused: (info, reason) => refuseLiteral(this, info, reason),
        literalReceived: (info, data) => recordLiteral(this, data),
        literalCut: (info, received) => literalCut(this, info, received),
      },
    });
    this.unsubscribe = ctx.store.onChange((change) => onStoreChange(this, change));
    session.onClose(() => {
      this.unsubscribe();
      this.state = { kind: 'logout' };
    });
  }

  start(): void {
    this.session.readLines({
      onLine: (line) => onLine(this, line),
      onOverflow: (bytes, phase) => onOverflow(this, bytes, phase),
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

  /** Waits for the next client line through the continuation slot; null when the session closed. */
  nextLine(describe?: (line: string) => string | undefined): Promise<Buffer | null> {
    return nextLine(this.slot, this.session, describe);
  }

  /** Sends what other sessions changed in the selected mailbox (RFC 3501 §7.3.1, §7.4.1). */
  flushUpdates(allowExpunge: boolean): void {
    flushUpdates(this, allowExpunge);
  }

  /** IDLE (RFC 2177): updates go out as they happen until the client says DONE. */
  idle(): Promise<Buffer | null> {
    return idle(this);
  }
}
