/**
 * The bodies of messages kept on disk (`--maildir`) that were read lately, and more than once (see
 * SECOND_READ_WINDOW): least recently used first out, bounded in bytes. Everything else about a
 * message (id, UID, size, flags, dates, its header block) stays in memory; a body is read from its
 * file again when it is not in the cache.
 *
 * The default, 16 MiB, holds a few thousand typical messages: a client FETCHing the same messages again
 * for a while is served from memory, and the process stays far below the size of the mail it serves.
 */
export const DEFAULT_BODY_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * A body read from its file is kept only when the same message missed the cache once before within
 * the last this many misses (about the number of typical bodies the default cache holds). A client
 * reading a large mailbox once through (`FETCH 1:* BODY[]`, RETR of every message) then neither
 * pushes out what is read again nor makes each body outlive the young generation: kept in an LRU that
 * turns over, every body became old-generation garbage, and major GCs made a 100,000-message FETCH
 * three times slower.
 */
export const SECOND_READ_WINDOW = 4096;

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
  private misses = 0;
  /** The body of the last miss, outside the LRU: a message read for several items in a row (`FETCH
   *  (BODY[HEADER] BODY[TEXT])`, TOP then RETR) is read from its file once. */
  private lastKey: K | null = null;
  private lastBody: Buffer | null = null;

  constructor(readonly limitBytes = DEFAULT_BODY_CACHE_BYTES) {}

  /**
   * A body read from its file after a miss: kept when `previousMiss` (what this call answered for the
   * same key last time, 0 for never) is within SECOND_READ_WINDOW misses. Answers this miss's number,
   * for the caller to keep with the key: a number on the key, not an entry in a map, so a scan costs
   * no allocation here.
   */
  missed(key: K, body: Buffer, previousMiss: number): number {
    this.misses++;
    if (previousMiss > 0 && this.misses - previousMiss <= SECOND_READ_WINDOW) this.put(key, body);
    if (body.length <= this.limitBytes) {
      this.lastKey = key;
      this.lastBody = body;
    }
    return this.misses;
  }

  get(key: K): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return key === this.lastKey ? (this.lastBody ?? undefined) : undefined;
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
    if (key === this.lastKey) this.lastKey = this.lastBody = null;
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
