import type { TranscriptEvent, TranscriptEventInput } from './events.js';

export type TranscriptListener = (event: TranscriptEvent) => void;

/**
 * One bus for every session's events. Publishing is synchronous and never waits for a consumer:
 * each subscriber is called in turn and must only queue the event (the UI batches, the logger
 * writes asynchronously). A subscriber that throws is dropped, so one broken consumer cannot hurt
 * the protocol sessions. Memory is bounded by a ring buffer of `capacity` events.
 */
export class TranscriptBus {
  private readonly ring: (TranscriptEvent | undefined)[];
  private next = 0;
  private count = 0;
  private seq = 0;
  /** Replaced, never changed in place, on (un)subscribe: publish() walks it without a Set iterator,
   *  and a listener that (un)subscribes while being called does not disturb the walk. */
  private listeners: readonly TranscriptListener[] = [];

  constructor(
    readonly capacity: number,
    private readonly maxLineChars = 2_000,
  ) {
    this.ring = new Array(capacity);
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
    this.ring[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
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
}
