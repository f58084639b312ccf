import { randomInt } from 'node:crypto';
import type { Credentials } from '../../auth/mechanism.js';
import { verifyCredentials } from '../../auth/verify.js';
import type { Session } from '../../core/session.js';
import type { ProtocolContext } from '../context.js';
import { tryLockMaildrop } from './locks.js';
import { MaildropSnapshot, printableArg } from './maildrop.js';
import { TERMINATOR, textResponse } from './multiline.js';
import { COMMANDS } from './registry.js';
import { errors, renderError, type Pop3Error } from './replies.js';

/** Lines of a multi-line listing recorded one by one in the transcript; longer ones are summarised. */
export const LISTING_LINES_RECORDED = 100;

/** RFC 1939 §3: a session moves AUTHORIZATION → TRANSACTION → UPDATE and never back. */
export type Pop3State =
  | { kind: 'authorization'; user: string | null }
  | { kind: 'transaction'; user: string; maildrop: MaildropSnapshot; release: () => void }
  | { kind: 'update' };

export type Pop3StateKind = Pop3State['kind'];

/** The next client line belongs to a multi-step exchange (a SASL response), not to the command parser. */
export type Continuation = (line: string) => Promise<void> | void;

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
  continuation: Continuation | null = null;
  readonly timestamp: string;
  private errorsInARow = 0;

  constructor(
    readonly core: Session,
    readonly ctx: ProtocolContext,
  ) {
    this.timestamp = apopTimestamp(ctx.hostname);
  }

  start(): void {
    this.core.onClose(() => {
      // A dropped connection never reaches UPDATE (RFC 1939 §6): nothing is deleted, the lock goes.
      if (this.state.kind === 'transaction') this.state.release();
    });
    this.core.readLines({
      onLine: (line) => this.core.enqueue(() => this.handleLine(line)),
      onOverflow: (dropped) =>
        this.core.enqueue(() => {
          this.core.note(
            'warn',
            `client sent a line of ${dropped} bytes, over the ${this.ctx.limits.maxLineBytes}-byte limit: dropped`,
          );
          this.continuation = null;
          this.fail(errors.lineTooLong());
        }),
      onTimeout: (kind) =>
        // RFC 1939 §3 autologout: close without entering UPDATE.
        this.core.send(`-ERR autologout: ${kind === 'idle' ? 'idle for too long' : 'command took too long'}`),
    });
    this.core.send(`+OK mailsandbox ready ${this.timestamp}`);
  }

  /** The TRANSACTION state; commands registered only for it may call this without checking. */
  transaction(): Extract<Pop3State, { kind: 'transaction' }> {
    if (this.state.kind !== 'transaction') throw new Error('not in the TRANSACTION state');
    return this.state;
  }

  // ---- replies ----------------------------------------------------------------------------------

  ok(text: string): void {
    this.errorsInARow = 0;
    this.core.send(text ? `+OK ${text}` : '+OK');
  }

  /** An `-ERR` reply; after `maxErrorsInARow` of them the session says so and closes. */
  fail(error: Pop3Error): void {
    this.errorsInARow++;
    if (this.errorsInARow < this.ctx.limits.maxErrorsInARow) {
      this.core.send(renderError(error));
      return;
    }
    const text = `${error.text} (${this.errorsInARow} errors in a row, closing the connection)`;
    this.core.send(renderError({ ...error, text }));
    this.core.close(`${this.errorsInARow} protocol errors in a row`);
  }

  /**
   * A multi-line text reply (CAPA, AUTH, LIST, UIDL), written at once. Recorded line by line, except
   * a listing longer than LISTING_LINES_RECORDED, which is summarised like a message body (unless
   * bodies were asked for): a 10,000-message LIST would otherwise push a tenth of the bounded
   * transcript out and cost more than the reply itself.
   */
  sendText(first: string, lines: readonly string[]): void {
    this.errorsInARow = 0;
    const text = textResponse(first, lines);
    this.core.server(first);
    if (lines.length <= LISTING_LINES_RECORDED || this.ctx.transcriptBodies)
      for (const line of lines) this.core.server(line);
    else this.core.server(`<listing: ${lines.length} lines, ${text.length - first.length - 5} bytes>`);
    this.core.server('.');
    this.core.write(text);
  }

  /**
   * A message (RETR, TOP): the status line, the dot-stuffed body and the terminator go out in one
   * corked write. The transcript gets a one-line summary unless bodies were asked for. Waits for the
   * socket to drain so a client that pipelines RETRs without reading cannot pile up messages here.
   */
  async sendMessage(first: string, stuffed: Buffer): Promise<void> {
    this.errorsInARow = 0;
    this.core.server(first);
    if (this.ctx.transcriptBodies) {
      const text = stuffed.toString('utf8').replace(/\r\n$/, '');
      if (stuffed.length > 0) for (const line of text.split('\r\n')) this.core.server(line);
    } else this.core.server(`<message body: ${stuffed.length} bytes>`);
    this.core.server('.');
    const socket = this.core.socket;
    socket.cork();
    this.core.write(first + '\r\n');
    this.core.write(stuffed);
    this.core.write(TERMINATOR);
    socket.uncork();
    if (!socket.writableNeedDrain || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** A SASL challenge line (RFC 5034 §4: `+ ` and base64), with its decoded reading. */
  sendChallenge(base64: string, decoded: string | undefined): void {
    this.core.server(`+ ${base64}`, decoded);
    this.core.write(`+ ${base64}\r\n`);
  }

  // ---- login ------------------------------------------------------------------------------------

  /**
   * Every way in (USER/PASS, APOP, AUTH) ends here: check the credentials, lock the maildrop, number
   * its messages and enter TRANSACTION (RFC 1939 §4).
   */
  async login(credentials: Credentials, how: string): Promise<void> {
    const ok = verifyCredentials(this.ctx.users, credentials);
    this.core.auth(how, credentials.username, ok);
    if (!ok) return this.fail(errors.auth());
    const { store } = this.ctx;
    const maildrop = store.maildropFor(credentials.username);
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
    this.state = { kind: 'transaction', user: credentials.username, maildrop: snapshot, release };
    const { count, size } = snapshot.stat();
    this.ok(`${count} messages (${size} octets)`);
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private async handleLine(raw: Buffer): Promise<void> {
    const line = raw.toString('utf8');
    const pending = this.continuation;
    if (pending) {
      this.continuation = null;
      return pending(line);
    }
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const rest = space === -1 ? '' : line.slice(space + 1);
    const spec = COMMANDS.get(verb);
    const args = spec?.args.rest ? (rest === '' ? [] : [rest]) : rest.split(/[ \t]+/).filter(Boolean);
    this.core.client(line, spec?.describe?.(args));
    if (verb.trim() === '') return this.fail(errors.protocol('empty command'));
    if (!spec) return this.fail(errors.unknownCommand(printableArg(verb)));
    if (!spec.states.includes(this.state.kind))
      return this.fail(errors.wrongState(verb, this.state.kind.toUpperCase()));
    const { min, max } = spec.args;
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : `${min} to ${max}`;
      return this.fail(errors.protocol(`${verb} takes ${wanted} argument${max === 1 ? '' : 's'}`));
    }
    await spec.handle(this, args);
  }
}
