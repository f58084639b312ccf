/**
 * Frames a byte stream into CRLF (or bare LF) terminated lines, with a byte mode for IMAP literals.
 * A line longer than `maxLineBytes` is never buffered whole: the reader reports it through
 * `onOverflow` as soon as it passes the limit (so the protocol answers at once, not after the
 * client's 2 MB), drops bytes until the next LF, then reports it again with its size.
 */
export interface LineReaderOptions {
  maxLineBytes: number;
  onLine(line: Buffer): void;
  /** An over-long line reached `phase`; `bytes` is what that phase counts (see OverflowPhase). */
  onOverflow(bytes: number, phase: OverflowPhase): void;
}

/**
 * Where an over-long line is, one `onOverflow` call per phase:
 * - `started`: it just passed the limit; the rest of it will be dropped. `bytes`: seen so far.
 * - `ended`: its LF arrived. `bytes`: all of it, LF included.
 * - `cut`: the reader was discarded (connection closed, STARTTLS) before its LF. `bytes`: all that came.
 */
export type OverflowPhase = 'started' | 'ended' | 'cut';

type ByteSink = (chunk: Buffer, done: boolean) => void;

/** The transcript note for an over-long line that ended or was cut (`closed`: the session ended). */
export function overflowNote(
  bytes: number,
  phase: Exclude<OverflowPhase, 'started'>,
  maxLineBytes: number,
  closed: boolean,
): string {
  const limit = `over the ${maxLineBytes}-byte limit`;
  if (phase === 'ended') return `client sent a line of ${bytes} bytes, ${limit}: dropped`;
  const end = closed ? 'the connection closed' : 'STARTTLS';
  return `client sent ${bytes} bytes of a line ${limit}, and no newline before ${end}: dropped`;
}

export class LineReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private overflowing = false;
  private dropped = 0;
  private literal: {
    size: number;
    remaining: number;
    sink: ByteSink;
    cut?: (received: number) => void;
  } | null = null;
  /** A literal arrived whole, the line that ends its command not yet: a discard still cuts it. */
  private afterLiteral: { size: number; cut: (received: number) => void } | null = null;

  constructor(private readonly options: LineReaderOptions) {}

  /** True while a line or a literal is half received (used for the slow-client deadline). */
  get midCommand(): boolean {
    return this.partBytes > 0 || this.overflowing || this.literal !== null;
  }

  /** The next `n` bytes go to `sink` as they arrive, then framing goes back to lines. Call it from
   *  within `onLine` (the line that announced the literal). `cut` hears of a discard (connection
   *  closed, STARTTLS) before the line after the literal ended, with the literal bytes that came. */
  readBytes(n: number, sink: ByteSink, cut?: (received: number) => void): void {
    if (n === 0) {
      sink(Buffer.alloc(0), true);
      return;
    }
    this.literal = { size: n, remaining: n, sink, cut };
  }

  /** Forget everything buffered (the session closed, or input arrived before a STARTTLS upgrade and
   *  must not be used); a half-received literal or over-long line is reported as cut. */
  discard(): void {
    const { literal, afterLiteral, overflowing, dropped } = this;
    this.parts = [];
    this.partBytes = 0;
    this.overflowing = false;
    this.dropped = 0;
    this.literal = null;
    this.afterLiteral = null;
    if (overflowing) this.report(dropped, 'cut');
    if (literal) literal.cut?.(literal.size - literal.remaining);
    else afterLiteral?.cut(afterLiteral.size);
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.literal) {
        const take = Math.min(this.literal.remaining, data.length);
        const piece = data.subarray(0, take);
        data = data.subarray(take);
        this.literal.remaining -= take;
        const { size, sink, cut } = this.literal;
        const done = this.literal.remaining === 0;
        if (done) {
          this.literal = null;
          if (cut) this.afterLiteral = { size, cut };
        }
        sink(piece, done);
        continue;
      }
      const lf = data.indexOf(10);
      if (lf === -1) {
        this.buffer(data);
        return;
      }
      const head = data.subarray(0, lf);
      data = data.subarray(lf + 1);
      if (this.overflowing) {
        const bytes = this.dropped + head.length + 1;
        this.overflowing = false;
        this.dropped = 0;
        this.report(bytes, 'ended');
        continue;
      }
      if (this.partBytes + head.length > this.options.maxLineBytes) {
        // The whole over-long line came with its LF: both reports at once.
        const bytes = this.partBytes + head.length + 1;
        this.parts = [];
        this.partBytes = 0;
        this.report(bytes - 1, 'started');
        this.report(bytes, 'ended');
        continue;
      }
      let line = this.parts.length ? Buffer.concat([...this.parts, head]) : head;
      this.parts = [];
      this.partBytes = 0;
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      this.afterLiteral = null;
      // onLine may switch to byte mode (a literal follows); the loop picks that up.
      this.options.onLine(line);
    }
  }

  private buffer(data: Buffer): void {
    if (this.overflowing) {
      this.dropped += data.length;
      return;
    }
    if (this.partBytes + data.length > this.options.maxLineBytes + 1) {
      this.overflowing = true;
      this.dropped = this.partBytes + data.length;
      this.parts = [];
      this.partBytes = 0;
      this.report(this.dropped, 'started');
      return;
    }
    // Copy: the caller may reuse the chunk's memory.
    this.parts.push(Buffer.from(data));
    this.partBytes += data.length;
  }

  private report(bytes: number, phase: OverflowPhase): void {
    // The line after a literal ran over: the protocol drops its command (the reply says so).
    if (phase === 'started') this.afterLiteral = null;
    this.options.onOverflow(bytes, phase);
  }
}
