import { tagOf } from './tokenizer.js';

/**
 * The framing layer in front of the tokenizer: it joins the lines and literals of one command
 * (RFC 3501 §4.3, §7.5; LITERAL+ RFC 7888) into one buffer, counting literal bytes so the tokenizer
 * never sees a half command. A literal over the limit is refused before a single byte of it is read.
 */
export interface LiteralInfo {
  tag: string;
  /** The command word (APPEND, LOGIN, …), upper-cased; '' when the line has none yet. */
  command: string;
  size: number;
  /** `{n+}`: the client sends the bytes without waiting for `+`. */
  nonSync: boolean;
}

export interface FramingEvents {
  /** A whole command: its lines joined with CRLF, literal bytes in place. */
  command(raw: Buffer): void;
  /** A synchronising literal was accepted: the server must now send `+` (RFC 3501 §7.5). */
  literalAccepted(info: LiteralInfo): void;
  /** A literal is over its limit (or the line is garbage announcing one): the command is dropped.
   *  For a non-synchronising literal the bytes are on their way and cannot be skipped cheaply, so the
   *  session should close. */
  literalRefused(info: LiteralInfo, reason: string): void;
  /** All bytes of a literal arrived (for the transcript). */
  literalReceived(info: LiteralInfo, data: Buffer): void;
  /** The input was discarded (connection closed, STARTTLS) after `received` bytes of the literal:
   *  the command will never run. */
  literalCut?(info: LiteralInfo, received: number): void;
}

export interface FramingOptions {
  /** Switch the line reader to byte mode for `n` bytes (core LineReader.readBytes). */
  readBytes(n: number, sink: (chunk: Buffer, done: boolean) => void, cut: (received: number) => void): void;
  /** Largest literal allowed for a command word (APPEND carries messages, others small strings). */
  literalLimit(command: string): number;
  events: FramingEvents;
}

const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

export class CommandFraming {
  private parts: Buffer[] = [];
  private bytes = 0;
  private first: { tag: string; command: string } | null = null;

  constructor(private readonly options: FramingOptions) {}

  /** True while a command is half received (its literal or the line after it is missing). */
  get midCommand(): boolean {
    return this.parts.length > 0;
  }

  /** Forget a half-received command (line overflow, STARTTLS). */
  reset(): void {
    this.parts = [];
    this.bytes = 0;
    this.first = null;
  }

  onLine(line: Buffer): void {
    if (!this.first) {
      const tag = tagOf(line) ?? '*';
      const sp = line.indexOf(0x20);
      const rest = sp < 0 ? '' : line.toString('latin1', sp + 1, Math.min(line.length, sp + 40));
      this.first = { tag, command: (/^[A-Za-z]+/.exec(rest)?.[0] ?? '').toUpperCase() };
    }
    const m = LITERAL_AT_END.exec(line.toString('latin1', Math.max(0, line.length - 24)));
    if (!m) {
      this.parts.push(line);
      const raw = this.parts.length === 1 ? line : Buffer.concat(this.parts);
      this.reset();
      this.options.events.command(raw);
      return;
    }
    const info: LiteralInfo = { ...this.first, size: Number(m[1]), nonSync: m[2] === '+' };
    const limit = this.options.literalLimit(info.command);
    const garbage = info.tag === '*';
    if (garbage || info.size > limit || this.bytes + line.length + info.size > limit + 64 * 1024) {
      this.reset();
      this.options.events.literalRefused(
        info,
        garbage
          ? 'a literal announced without a valid tag'
          : `literal of ${info.size} bytes is over the limit of ${limit}`,
      );
      return;
    }
    this.parts.push(line, CRLF);
    this.bytes += line.length + 2 + info.size;
    if (!info.nonSync) this.options.events.literalAccepted(info);
    const chunks: Buffer[] = [];
    this.options.readBytes(
      info.size,
      (chunk, done) => {
        // Copy: the socket may reuse the chunk's memory.
        chunks.push(Buffer.from(chunk));
        if (!done) return;
        const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        this.parts.push(data);
        this.options.events.literalReceived(info, data);
      },
      (received) => {
        this.reset();
        this.options.events.literalCut?.(info, received);
      },
    );
  }
}

const CRLF = Buffer.from('\r\n');
