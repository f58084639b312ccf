/**
 * The bodies of messages kept on disk (`--maildir`) that were read lately: least recently used first
 * out, bounded in bytes. Everything else about a message (id, UID, size, flags, dates, its header block)
 * stays in memory; a body is read from its file again when it has left the cache.
 *
 * The default, 16 MiB, holds a few thousand typical messages: a client reading a mailbox in order, or
 * FETCHing the same messages again for a while, is served from memory, and the process stays far below
 * the size of the mail it serves.
 */
export const DEFAULT_BODY_CACHE_BYTES = 16 * 1024 * 1024;

interface Entry<K> {
  key: K;
  body: Buffer;
  /** Toward the least recently used end. */
  older: Entry<K> | null;
  newer: Entry<K> | null;
}

/**
 * A Map for lookup and a doubly linked list for the order. (A Map alone, re-inserting on use and
 * evicting from the front of its iteration, slows down as the cache turns over: V8 leaves deleted
 * entries as holes that every iteration from the front walks past.)
 */
export class BodyCache<K> {
  private readonly entries = new Map<K, Entry<K>>();
  private oldest: Entry<K> | null = null;
  private newest: Entry<K> | null = null;
  private bytes = 0;

  constructor(readonly limitBytes = DEFAULT_BODY_CACHE_BYTES) {}

  get(key: K): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry !== this.newest) {
      this.unlink(entry);
      this.link(entry);
    }
    return entry.body;
  }

  /** Keeps `body`, dropping the least recently used bodies to stay within the limit. A body larger
   *  than the whole cache is not kept. */
  put(key: K, body: Buffer): void {
    this.delete(key);
    if (body.length > this.limitBytes) return;
    const entry: Entry<K> = { key, body, older: null, newer: null };
    this.entries.set(key, entry);
    this.link(entry);
    this.bytes += body.length;
    while (this.bytes > this.limitBytes && this.oldest) this.delete(this.oldest.key);
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.unlink(entry);
    this.bytes -= entry.body.length;
  }

  get size(): { bodies: number; bytes: number } {
    return { bodies: this.entries.size, bytes: this.bytes };
  }

  private link(entry: Entry<K>): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: Entry<K>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = null;
  }
}
