import type { TranscriptEvent, TranscriptEventInput } from './events.js';

export type TranscriptListener = (event: TranscriptEvent) => void;

/** Bytes of heap one kept event is counted at besides its line: the event object and its fields. */
const EVENT_OVERHEAD_BYTES = 96;

/**
 * What an event is counted at in the history's byte bound: cheap to work out as it is published, not
 * exact. A line (and its decoded reading) counts one byte per character, as V8 keeps an ASCII string;
 * the other events are a few short fields.
 */
function eventBytes(event: TranscriptEvent): number {
  if (event.type === 'client-line' || event.type === 'server-line')
    return EVENT_OVERHEAD_BYTES + event.line.length + (event.decoded?.length ?? 0);
  return 2 * EVENT_OVERHEAD_BYTES;
}

/**
 * One bus for every session's events. Publishing is synchronous and never waits for a consumer:
 * each subscriber is called in turn and must only queue the event (the UI batches, the logger
 * writes asynchronously). A subscriber that throws is dropped, so one broken consumer cannot hurt
 * the protocol sessions. Memory is bounded by a ring buffer of `capacity` events that also drops its
 * oldest events past `maxBytes` (each event counted as eventBytes() estimates it): long FETCH lines
 * of a big mailbox are hundreds of bytes each, and 100,000 of them were 65 MB.
 */
export class TranscriptBus {
  private readonly ring: (TranscriptEvent | undefined)[];
  /** eventBytes() of each slot of the ring. */
  private readonly sizes: Uint32Array;
  private next = 0;
  private count = 0;
  private bytes = 0;
  private seq = 0;
  /** Replaced, never changed in place, on (un)subscribe: publish() walks it without a Set iterator,
   *  and a listener that (un)subscribes while being called does not disturb the walk. */
  private listeners: readonly TranscriptListener[] = [];

  constructor(
    readonly capacity: number,
    private readonly maxLineChars = 2_000,
    readonly maxBytes = Infinity,
  ) {
    this.ring = new Array(capacity);
    this.sizes = new Uint32Array(capacity);
  }

  publish(input: TranscriptEventInput): TranscriptEvent {
    // Stamped in place, not copied: publishers hand over a fresh object literal, and a copy per
    // event was the bus's biggest cost under load.
    const event = input as TranscriptEvent;
    event.seq = ++this.seq;
    event.time = Date.now();
    if (
      (event.type === 'client-line' || event.type === 'server-line') &&
      event.line.length > this.maxLineChars
    ) {
      const extra = event.line.length - this.maxLineChars;
      event.line = `${event.line.slice(0, this.maxLineChars)}… (${extra} more characters)`;
    }
    this.keep(event);
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i]!;
      try {
        listener(event);
      } catch {
        this.remove(listener);
      }
    }
    return event;
  }

  private keep(event: TranscriptEvent): void {
    const size = eventBytes(event);
    // A full ring overwrites its oldest event.
    if (this.count === this.capacity) this.bytes -= this.sizes[this.next]!;
    else this.count++;
    this.ring[this.next] = event;
    this.sizes[this.next] = size;
    this.bytes += size;
    this.next = (this.next + 1) % this.capacity;
    // The newest event stays, however big: a history never loses the event just published.
    while (this.bytes > this.maxBytes && this.count > 1) {
      const oldest = (this.next - this.count + this.capacity) % this.capacity;
      this.bytes -= this.sizes[oldest]!;
      this.ring[oldest] = undefined;
      this.count--;
    }
  }

  subscribe(listener: TranscriptListener): () => void {
    if (!this.listeners.includes(listener)) this.listeners = [...this.listeners, listener];
    return () => this.remove(listener);
  }

  private remove(listener: TranscriptListener): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
  }

  /** The retained events, oldest first; optionally only one session's. */
  history(sid?: string): TranscriptEvent[] {
    const out: TranscriptEvent[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const event = this.ring[(start + i) % this.capacity]!;
      if (sid === undefined || event.sid === sid) out.push(event);
    }
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** What the kept events are counted at (eventBytes()), at most `maxBytes` but for one big event. */
  get sizeBytes(): number {
    return this.bytes;
  }
}
