import net from 'node:net';
import tls from 'node:tls';

/**
 * A scripted line client for raw protocol exchanges (what a user types in telnet / openssl s_client).
 * `readLine()` waits for the next CRLF-terminated line; `readUntil(re)` collects lines until one
 * matches. Every wait is bounded by `timeoutMs`.
 */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(public socket: net.Socket) {
    this.bind(socket);
  }

  private bind(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(
    port: number,
    options: { tls?: boolean; ca?: string; host?: string } = {},
  ): Promise<RawClient> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({
            host,
            port,
            ca: options.ca,
            rejectUnauthorized: !!options.ca,
            servername: 'localhost',
          })
        : net.connect({ host, port });
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Upgrade this connection to TLS (after the server said yes to STARTTLS/STLS). */
  async startTls(ca?: string): Promise<void> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({
      socket: this.socket,
      ca,
      rejectUnauthorized: !!ca,
      servername: 'localhost',
    });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = Buffer.alloc(0);
    this.bind(secure);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  private async waitFor<T>(take: () => T | null, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = take();
      if (got !== null) return got;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; buffer: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  readLine(timeoutMs = 5_000): Promise<string> {
    return this.waitFor(
      () => {
        const i = this.buffer.indexOf('\r\n');
        if (i < 0) return null;
        const line = this.buffer.subarray(0, i).toString('utf8');
        this.buffer = this.buffer.subarray(i + 2);
        return line;
      },
      timeoutMs,
      'a line',
    );
  }

  /** Exactly `n` bytes (an IMAP literal, a POP3 body). */
  readBytes(n: number, timeoutMs = 5_000): Promise<Buffer> {
    return this.waitFor(
      () => {
        if (this.buffer.length < n) return null;
        const out = this.buffer.subarray(0, n);
        this.buffer = this.buffer.subarray(n);
        return Buffer.from(out);
      },
      timeoutMs,
      `${n} bytes`,
    );
  }

  async readUntil(pattern: RegExp, timeoutMs = 5_000): Promise<string[]> {
    const lines: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.readLine(Math.max(1, deadline - Date.now()));
      lines.push(line);
      if (pattern.test(line)) return lines;
    }
  }

  /** Resolves when the server closed the connection (or rejects after the timeout). */
  waitClosed(timeoutMs = 5_000): Promise<void> {
    return this.waitFor(() => (this.closed ? true : null), timeoutMs, 'close').then(() => undefined);
  }

  /** Whatever arrived and was not read yet (what a cut let out, after `waitClosed()`). */
  rest(): Buffer {
    const out = this.buffer;
    this.buffer = Buffer.alloc(0);
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A raw socket on `port` that follows a script: each step waits until what arrived since the last write
 * matches `wait`, then writes `send`. Resolves when the server closes the connection; destroyed after
 * `timeoutMs` at most.
 */
export function scriptedSession(
  port: number,
  steps: [wait: RegExp, send: string][],
  timeoutMs = 5_000,
): Promise<void> {
  const script = [...steps];
  return new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      while (script[0] && script[0][0].test(buffered)) {
        buffered = '';
        socket.write(script.shift()![1]);
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), timeoutMs).unref();
  });
}
