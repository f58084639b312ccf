/** The longest a change waits for its write, however slow the writes are. */
const MAX_DELAY_MS = 5_000;

/**
 * Writes of one file per key (a Maildir folder's state file), one at a time per key, and for the writes
 * asked for with `later`, one per `delayMs` (longer for a file that is slow to write) however many
 * changes came in between.
 *
 * Why: every flag change used to rewrite the folder's whole state file (every message's modseq), so
 * `STORE 1:* +FLAGS`, or a `FETCH 1:* BODY[]` that sets \Seen, rewrote it once per message: a minute
 * for 10,000 messages, hours for 100,000. System flags live in the file names (renamed at once); the
 * state file carries keywords and modseqs, and now follows within `delayMs`. One write at a time per key
 * also means an older write can no longer finish after a newer one and put the older state back.
 */
export class CoalescedSaves {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly delayMs = 100) {}

  /** Writes the state within delayMs, with `write` (which reads the state when it runs). */
  later(key: string, write: () => Promise<void>): void {
    const entry = this.entry(key);
    entry.write = write;
    entry.dirty = true;
    if (!entry.timer && !entry.running) this.arm(entry);
  }

  /** Writes now (after the write in progress, if any): for changes that must be on disk before the reply. */
  async now(key: string, write: () => Promise<void>): Promise<void> {
    const entry = this.entry(key);
    entry.write = write;
    entry.dirty = true;
    await this.settleEntry(entry, true);
    this.forgetIfIdle(key, entry);
  }

  /** Writes what is pending for `key` at once and waits for it (before the folder moves). */
  async settle(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    await this.settleEntry(entry, false);
    this.forgetIfIdle(key, entry);
  }

  /** Forgets what is pending for `key`, after the write in progress (the folder is being deleted). */
  async drop(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.dirty = false;
    this.disarm(entry);
    while (entry.running) await entry.running;
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  /** The folder was renamed: what is pending goes with it (its write reads the new place when it runs). */
  rename(from: string, to: string): void {
    const entry = this.entries.get(from);
    if (!entry) return;
    this.entries.delete(from);
    this.entries.set(to, entry);
  }

  /** Writes everything pending now (the sandbox closing). */
  async flush(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((key) => this.settle(key)));
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry)
      this.entries.set(
        key,
        (entry = { write: null, dirty: false, timer: null, running: null, lastWriteMs: 0 }),
      );
    return entry;
  }

  private forgetIfIdle(key: string, entry: Entry): void {
    if (!entry.dirty && !entry.running && !entry.timer && this.entries.get(key) === entry)
      this.entries.delete(key);
  }

  private arm(entry: Entry): void {
    // A big folder's file takes a while to write (~8 ms for 20,000 messages, ~40 for 100,000): waiting
    // 9x as long, a steady stream of changes spends at most a tenth of the time on writes (within 5 s).
    const delay = Math.min(Math.max(this.delayMs, 9 * entry.lastWriteMs), MAX_DELAY_MS);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void this.run(entry, false);
    }, delay);
    // A pending write does not keep the process alive: closing the store flushes it.
    entry.timer.unref();
  }

  private disarm(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
  }

  private async settleEntry(entry: Entry, rethrow: boolean): Promise<void> {
    this.disarm(entry);
    while (entry.running) await entry.running;
    if (entry.dirty) await this.run(entry, rethrow);
  }

  private async run(entry: Entry, rethrow: boolean): Promise<void> {
    if (entry.running || !entry.dirty || !entry.write) return;
    entry.dirty = false;
    const started = performance.now();
    const written = entry.write();
    entry.running = written.then(
      () => {},
      () => {},
    );
    let failed = false;
    try {
      await written;
    } catch (err) {
      // A deferred write has no one to tell: it is tried again at the next change (or at close).
      failed = true;
      entry.dirty = true;
      if (rethrow) throw err;
    } finally {
      entry.running = null;
      entry.lastWriteMs = performance.now() - started;
      // Changes made while this write ran get the next one.
      if (entry.dirty && !failed && !entry.timer) this.arm(entry);
    }
  }
}

interface Entry {
  write: (() => Promise<void>) | null;
  /** A change is waiting to be written. */
  dirty: boolean;
  timer: NodeJS.Timeout | null;
  /** The write in progress (never rejects). */
  running: Promise<void> | null;
  /** How long the last write took, start to finish. */
  lastWriteMs: number;
}
