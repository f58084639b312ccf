/**
 * The bodies of messages kept on disk (`--maildir`) that were read lately: least recently used first
 * out, bounded in bytes. Everything else about a message (id, UID, size, flags, dates, its header block)
 * stays in memory; a body is read from its file again when it has left the cache.
 *
 * The default, 64 MiB, holds a few thousand typical messages: a client reading a mailbox in order, or
 * FETCHing the same messages again for a while, is served from memory, and the process stays far below
 * the size of the mail it serves.
 */
export const DEFAULT_BODY_CACHE_BYTES = 64 * 1024 * 1024;

export class BodyCache<K> {
  /** A Map iterates in insertion order: re-inserting on use keeps the least recently used first. */
  private readonly entries = new Map<K, Buffer>();
  private bytes = 0;

  constructor(readonly limitBytes = DEFAULT_BODY_CACHE_BYTES) {}

  get(key: K): Buffer | undefined {
    const body = this.entries.get(key);
    if (body) {
      this.entries.delete(key);
      this.entries.set(key, body);
    }
    return body;
  }

  /** Keeps `body`, dropping the least recently used bodies to stay within the limit. A body larger
   *  than the whole cache is not kept. */
  put(key: K, body: Buffer): void {
    this.delete(key);
    if (body.length > this.limitBytes) return;
    this.entries.set(key, body);
    this.bytes += body.length;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.limitBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= old.length;
    }
  }

  delete(key: K): void {
    const body = this.entries.get(key);
    if (!body) return;
    this.entries.delete(key);
    this.bytes -= body.length;
  }

  get size(): { bodies: number; bytes: number } {
    return { bodies: this.entries.size, bytes: this.bytes };
  }
}
