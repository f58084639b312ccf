import type { Session } from './session.js';

/** What a fault on the socket tells a writer before it records and writes: a scenario's `cut`. */
export interface WriteMeter {
  /** How many of the next `bytes` bytes written reach the client: all, unless a cut stops them first. */
  sendable(bytes: number): number;
}

/** The first `bytes` bytes of `line` (UTF-8) as text: what a cut let out of it. */
export function sentPart(line: string, bytes: number): string {
  return Buffer.from(line).subarray(0, bytes).toString('utf8');
}

/**
 * The one way a session's replies reach the client and the transcript, in every protocol: the
 * transcript records exactly the bytes that left the socket. Throttles and slices only delay bytes;
 * a scenario's cut (scenario/transport.ts installs it and hands its meter here) stops them, and then
 * a line is recorded as far as it went out and nothing after it.
 *
 * IMAP and POP3 write through `line()`, or measure a multi-line reply with `sendable()` and record it
 * with `recordLines()` before `write()`. A protocol whose library writes the socket itself (SMTP's
 * smtp-server) calls `recordSent()` with the reply's lines just before the library writes them.
 */
export class ReplyWriter {
  private readonly meters: WriteMeter[] = [];

  constructor(private readonly session: Session) {}

  /** A cut was installed on the socket: from now on replies are recorded as far as they go out. */
  meter(meter: WriteMeter): void {
    this.meters.push(meter);
  }

  /** A cut may stop what is written: a writer that records a summary must measure first. */
  get metered(): boolean {
    return this.meters.length > 0;
  }

  /** How many of the next `bytes` bytes reach the client. */
  sendable(bytes: number): number {
    let n = bytes;
    for (const meter of this.meters) n = meter.sendable(n);
    return n;
  }

  /** One reply line (CRLF added), recorded with its `decoded` reading when it goes out whole. */
  line(text: string, decoded?: string): void {
    if (!this.metered) {
      this.session.server(text, decoded);
      this.session.write(text + '\r\n');
      return;
    }
    const wire = Buffer.from(text + '\r\n');
    const sent = this.sendable(wire.length);
    if (sent === wire.length) this.session.server(text, decoded);
    else this.recordLines([text], sent);
    this.session.write(wire);
  }

  /** Records the wire lines `lines` (each sent with CRLF) as far as `sent` bytes of them go out. */
  recordLines(lines: readonly string[], sent: number): void {
    for (const line of lines) {
      if (sent <= 0) return;
      const size = Buffer.byteLength(line) + 2;
      this.session.server(sent >= size ? line : sentPart(line, sent));
      sent -= size;
    }
  }

  /** For a writer outside the session (smtp-server): records `lines` as far as they will go out. */
  recordSent(lines: readonly string[]): void {
    if (!this.metered) {
      for (const line of lines) this.session.server(line);
      return;
    }
    const size = lines.reduce((n, line) => n + Buffer.byteLength(line) + 2, 0);
    this.recordLines(lines, this.sendable(size));
  }

  /** Writes bytes the caller recorded itself (after `sendable()` when `metered`). */
  write(data: string | Buffer): void {
    this.session.write(data);
  }
}
