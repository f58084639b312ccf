/**
 * Which SMTP command lines were pipelined (RFC 2920): sent before the reply to the command before
 * them had gone out. smtp-server hands its commands over one at a time, each after the reply to the
 * one before, so the question is answered where the bytes arrive instead: every complete line that
 * arrives while a reply is owed was pipelined.
 *
 * A line that arrives with no reply owed is the only one waiting (every earlier line has had its
 * reply, so smtp-server took them all): the lines waiting are then always "the first of them
 * plain or not, the rest pipelined", and two numbers say it, whatever the client sends.
 *
 * The message after 354 is not commands: counting stops there and starts afresh after the reply to
 * the message (a line the client sent behind the final dot before that reply is then taken as not
 * pipelined: a missed flag, never a false one).
 */
export class PipeliningWatch {
  /** Command lines that arrived whose reply has not gone out. */
  private owed = 0;
  /** Command lines that arrived and smtp-server has not handed over yet. */
  private waiting = 0;
  /** The first of the waiting lines arrived with no reply owed. */
  private firstPlain = false;
  /** Between 354 and the reply to the message. */
  private inMessage = false;

  /** Bytes from the client: one indexOf per line end (RFC 5321 §2.3.8 lines; smtp-server also splits at a bare LF). */
  arrived(chunk: Buffer): void {
    if (this.inMessage) return;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, end + 1)) {
      if (this.owed === 0 && this.waiting === 0) this.firstPlain = true;
      this.owed++;
      this.waiting++;
    }
  }

  /** smtp-server hands over the next command line (or SASL answer): was it pipelined? */
  take(): boolean {
    if (this.waiting === 0) return false;
    this.waiting--;
    const plain = this.firstPlain;
    this.firstPlain = false;
    return !plain;
  }

  /** A reply goes out (one per command, 334 challenges included: the SASL answer after one is not pipelined). */
  replied(code: number): void {
    if (this.inMessage) {
      // The reply to the message (RFC 5321 §4.1.1.4): commands again from here.
      this.inMessage = false;
      return this.reset();
    }
    if (this.owed > 0) this.owed--;
    if (code === 354) {
      this.reset();
      this.inMessage = true;
    }
  }

  /** Nothing before counts (the message's lines, or the plain-text bytes before a STARTTLS handshake). */
  reset(): void {
    this.owed = this.waiting = 0;
    this.firstPlain = false;
  }
}
