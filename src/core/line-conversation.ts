import type { Session } from './session.js';

/** Who waits for the next client line, and how that line reads in the transcript. */
export interface LineWaiter<R> {
  /** The line (without CRLF), or null when the session closed first. */
  take(line: Buffer | null): R;
  /** Ends the wait with an error the command answers (IMAP: a response line over the limit). */
  refuse?(err: unknown): void;
  /** The transcript's reading of the line (a decoded SASL payload). */
  describe?(line: string): string | undefined;
}

/**
 * The one continuation slot of a line protocol (smtp-server's `_nextHandler`): while a command waits
 * for more input (a SASL step, IDLE's DONE), the next client line goes here instead of to the
 * parser. The slot records that line in the transcript with the waiter's reading; the session's end
 * hands the waiter null.
 */
export class ContinuationSlot<R = void> {
  private waiter: LineWaiter<R> | null = null;

  constructor(private readonly session: Session) {
    session.onClose(() => this.hand(null));
  }

  get waiting(): boolean {
    return this.waiter !== null;
  }

  wait(waiter: LineWaiter<R>): void {
    this.waiter = waiter;
  }

  /** Hands `line` to the waiter, once; undefined when nobody waits. */
  hand(line: Buffer | null): R | undefined {
    const waiter = this.waiter;
    if (!waiter) return undefined;
    this.waiter = null;
    if (line) {
      const text = line.toString('utf8');
      this.session.client(text, waiter.describe?.(text));
    }
    return waiter.take(line);
  }

  /** Ends the wait with `err`; false when nobody waits (or the waiter cannot be refused). */
  refuse(err: unknown): boolean {
    const waiter = this.waiter;
    if (!waiter?.refuse) return false;
    this.waiter = null;
    waiter.refuse(err);
    return true;
  }

  /** Drops the waiter without an answer (the command gave up, or the input was discarded). */
  clear(): void {
    this.waiter = null;
  }
}

/** The next client line for a command that holds the queue; null when the session closed. */
export function nextLine(
  slot: ContinuationSlot<void>,
  session: Session,
  describe?: (line: string) => string | undefined,
): Promise<Buffer | null> {
  if (session.closed) return Promise.resolve(null);
  return new Promise((resolve, reject) => slot.wait({ take: resolve, refuse: reject, describe }));
}

/**
 * How a queue that takes one client line at a time (POP3's command queue, smtp-server's parser) waits
 * for a multi-step exchange (SASL): held while the exchange works, let go when the exchange waits for
 * its next line (so that line can reach the slot), held again for what the exchange does with it. A
 * line pipelined behind an answer is thus read only after the exchange has dealt with the answer.
 */
export class ExchangeTurns {
  private pending: (() => void) | null;

  /** `release` lets the queue go on past the command that started the exchange. */
  constructor(release: () => void) {
    this.pending = release;
  }

  /**
   * The client's next line through `slot`, recorded with `describe(line)` as its reading; null when the
   * session closed first. The queue is let go meanwhile; `take(line)` is the slot waiter's answer, and
   * holds the queue for the line (with `hold`).
   */
  nextLine<R>(
    slot: ContinuationSlot<R>,
    describe: (line: string) => string,
    take: (line: Buffer | null) => R,
  ): Promise<string | null> {
    return new Promise((resolve) => {
      slot.wait({
        describe,
        take: (line) => {
          resolve(line?.toString('utf8') ?? null);
          return take(line);
        },
      });
      this.release();
    });
  }

  /** The queue waits for `release` until the exchange asks for another line or ends; null: it never goes on. */
  hold(release: (() => void) | null): void {
    this.pending = release;
  }

  /** Lets the queue go on (once for each hold). */
  release(): void {
    const release = this.pending;
    this.pending = null;
    release?.();
  }
}

/**
 * Protocol errors in a row (IMAP BAD, POP3 -ERR): a client stuck in a loop of bad commands is cut off
 * after `limits.maxErrorsInARow` of them; any good reply starts the count again.
 */
export class ErrorCount {
  private count = 0;

  constructor(private readonly max: number) {}

  /** One more error; true when it is the last one allowed (the session ends after saying so). */
  fail(): boolean {
    return ++this.count >= this.max;
  }

  ok(): void {
    this.count = 0;
  }

  get inARow(): number {
    return this.count;
  }
}
