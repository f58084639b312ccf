/**
 * A fixed-capacity FIFO: pushing past capacity drops the oldest item. Index 0 is the oldest retained
 * item. O(1) push, get and drop, so the UI's memory stays flat however long the sandbox runs.
 */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Appends; returns the item that fell off the front, if any. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.count === this.capacity) {
      dropped = this.items[this.head];
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
    } else {
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
    }
    return dropped;
  }

  get(index: number): T {
    return this.items[(this.head + index) % this.capacity]!;
  }

  /** Drops the `n` oldest items. */
  dropOldest(n: number): void {
    const k = Math.min(n, this.count);
    for (let i = 0; i < k; i++) this.items[(this.head + i) % this.capacity] = undefined;
    this.head = (this.head + k) % this.capacity;
    this.count -= k;
  }

  /** Keeps only the items that pass `keep`, in order. */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const item = this.get(i);
      if (keep(item)) kept.push(item);
    }
    this.items.fill(undefined);
    this.head = 0;
    this.count = kept.length;
    kept.forEach((item, i) => (this.items[i] = item));
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.get(i));
    return out;
  }
}
