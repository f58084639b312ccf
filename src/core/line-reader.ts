/**
 * Frames a byte stream into CRLF (or bare LF) terminated lines, with a byte mode for IMAP literals.
 * A line longer than `maxLineBytes` is never buffered whole: the reader reports it once through
 * `onOverflow` and drops bytes until the next LF.
 */
export interface LineReaderOptions {
  maxLineBytes: number;
  onLine(line: Buffer): void;
  onOverflow(droppedBytes: number): void;
}

type ByteSink = (chunk: Buffer, done: boolean) => void;

export class LineReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private overflowing = false;
  private dropped = 0;
  private literal: { remaining: number; sink: ByteSink } | null = null;

  constructor(private readonly options: LineReaderOptions) {}

  /** True while a line or a literal is half received (used for the slow-client deadline). */
  get midCommand(): boolean {
    return this.partBytes > 0 || this.overflowing || this.literal !== null;
  }

  /** The next `n` bytes go to `sink` as they arrive, then framing goes back to lines. Call it from
   *  within `onLine` (the line that announced the literal). */
  readBytes(n: number, sink: ByteSink): void {
    if (n === 0) {
      sink(Buffer.alloc(0), true);
      return;
    }
    this.literal = { remaining: n, sink };
  }

  /** Forget everything buffered (input that arrived before a STARTTLS upgrade must not be used). */
  discard(): void {
    this.parts = [];
    this.partBytes = 0;
    this.overflowing = false;
    this.literal = null;
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.literal) {
        const take = Math.min(this.literal.remaining, data.length);
        const piece = data.subarray(0, take);
        data = data.subarray(take);
        this.literal.remaining -= take;
        const { sink } = this.literal;
        const done = this.literal.remaining === 0;
        if (done) this.literal = null;
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
        this.options.onOverflow(this.dropped + head.length + 1);
        this.overflowing = false;
        this.dropped = 0;
        continue;
      }
      let line = this.parts.length ? Buffer.concat([...this.parts, head]) : head;
      this.parts = [];
      this.partBytes = 0;
      if (line.length > this.options.maxLineBytes) {
        this.options.onOverflow(line.length + 1);
        continue;
      }
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
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
      return;
    }
    // Copy: the caller may reuse the chunk's memory.
    this.parts.push(Buffer.from(data));
    this.partBytes += data.length;
  }
}
