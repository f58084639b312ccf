/**
 * A fixed-capacity FIFO: pushing past capacity drops the oldest item. Index 0 is the oldest retained
 * item. O(1) push, get and drop, so the UI's memory stays flat however long the sandbox runs.
 *
 * The backing array grows with what is pushed (doubling) and reaches `capacity` only when that many
 * items are held: a ring per session with room for 5,000 lines must not cost 5,000 slots for a
 * session of 26 (a flood of short sessions allocated 40 KB each, and the GC paid for it).
 */
export class Ring<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.count;
  }

  /** Appends; returns the item that fell off the front, if any. */
  push(item: T): T | undefined {
    if (this.count === this.capacity) {
      const dropped = this.items[this.head];
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
      return dropped;
    }
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
    return undefined;
  }

  get(index: number): T {
    return this.items[(this.head + index) % this.items.length]!;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.count ? this.get(this.count - 1) : undefined;
  }

  /** Drops the `n` oldest items. */
  dropOldest(n: number): void {
    const k = Math.min(n, this.count);
    for (let i = 0; i < k; i++) this.items[(this.head + i) % this.items.length] = undefined;
    this.head = k ? (this.head + k) % this.items.length : this.head;
    this.count -= k;
    if (this.count === 0) this.reset([]);
  }

  /** Keeps only the items that pass `keep`, in order. */
  retain(keep: (item: T) => boolean): void {
    this.reset(this.toArray().filter(keep));
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.get(i));
    return out;
  }

  /** Room for twice as many (at most `capacity`), the items moved to the front in order. */
  private grow(): void {
    const size = Math.min(this.capacity, Math.max(8, this.items.length * 2));
    const next = this.toArray() as (T | undefined)[];
    next.length = size;
    this.reset(next, this.count);
  }

  private reset(items: (T | undefined)[], count = items.length): void {
    this.items = items;
    this.head = 0;
    this.count = count;
  }
}
