import net from 'node:net';
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

/** A line client that can switch to raw deflate both ways after COMPRESS's OK. */
export class DeflateClient {
  private text = '';
  private waiters: (() => void)[] = [];
  private deflate: DeflateRaw | null = null;
  private inflate: InflateRaw | null = null;
  closed = false;
  inflateError: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('close', () => {
      // Compressed: the inflater may still be working on the last bytes; closed once it is done.
      if (this.inflate) this.inflate.end();
      else this.markClosed();
    });
  }

  static async connect(port: number): Promise<DeflateClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new DeflateClient(socket);
  }

  private take(chunk: Buffer): void {
    this.text += chunk.toString('latin1');
    this.wake();
  }

  private markClosed(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** From now on: inflate what arrives, deflate what is sent (sync flush per line). */
  compress(): void {
    const inflate = createInflateRaw();
    this.inflate = inflate;
    inflate.on('close', () => this.markClosed());
    this.socket.removeAllListeners('data');
    this.socket.on('data', (chunk: Buffer) => inflate.write(chunk));
    inflate.on('data', (chunk: Buffer) => this.take(chunk));
    inflate.on('error', (err) => {
      this.inflateError = err;
      this.wake();
    });
    this.deflate = createDeflateRaw({ flush: constants.Z_SYNC_FLUSH });
    this.deflate.on('data', (chunk: Buffer) => this.socket.write(chunk));
  }

  send(line: string): void {
    const data = Buffer.from(line + '\r\n', 'latin1');
    if (this.deflate) this.deflate.write(data);
    else this.socket.write(data);
  }

  async readUntil(pattern: RegExp, timeoutMs = 5_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.text.split('\r\n');
      const at = lines.slice(0, -1).findIndex((l) => pattern.test(l));
      if (at >= 0) {
        this.text = lines.slice(at + 1).join('\r\n');
        return lines.slice(0, at + 1);
      }
      if (this.closed || this.inflateError || Date.now() > deadline)
        throw new Error(`no line matching ${pattern}; got ${JSON.stringify(this.text.slice(0, 300))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitBroken(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.inflateError && !this.closed && Date.now() < deadline)
      await new Promise<void>((resolve) => {
        setTimeout(resolve, 50);
        this.waiters.push(resolve);
      });
  }

  close(): void {
    this.socket.destroy();
  }
}
