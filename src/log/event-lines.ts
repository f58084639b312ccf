import type { TranscriptEvent } from '../transcript/events.js';
import { describeEvent } from '../transcript/export.js';

/** pino's numeric levels, so these lines read like the pino lines around them. */
const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/** Keys every line starts with, or that a line never repeats from the event. */
const FIXED = new Set(['seq', 'time', 'type', 'sid', 'proto', 'line', 'decoded', 'level']);

/**
 * Transcript events as pino-compatible JSON lines (`level`, `time`, `event`, `proto`, `sid`, the
 * event's own fields, `dir`, `msg`), serialized by hand: with a client that sends mail as fast as it
 * can, pino's generic serializer and one write call per line cost about a sixth of the server's CPU.
 * Lines of one turn of the event loop are handed to `write` as one string.
 */
export class EventLineWriter {
  private pending: string[] = [];
  private scheduled = false;

  constructor(
    private readonly out: (text: string) => void,
    private readonly maxPending = 256,
  ) {}

  write(event: TranscriptEvent): void {
    this.pending.push(eventLine(event));
    if (this.pending.length >= this.maxPending) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.out(text);
  }
}

export function eventLine(event: TranscriptEvent): string {
  const level =
    event.type === 'note' ? LEVELS[event.level] : event.type === 'finding' ? LEVELS[event.severity] : 30;
  let line = `{"level":${level},"time":${event.time},"event":"${event.type}","proto":"${event.proto}","sid":${JSON.stringify(event.sid)}`;
  if (event.type === 'client-line' || event.type === 'server-line') {
    line += `,"line":${JSON.stringify(event.line)}`;
    if (event.decoded !== undefined) line += `,"decoded":${JSON.stringify(event.decoded)}`;
    line += event.type === 'client-line' ? ',"dir":"C"' : ',"dir":"S"';
  } else {
    // A finding's `line` is the transcript line it points at (a number), not a line of text.
    if (event.type === 'finding') line += `,"line":${event.line}`;
    for (const key of Object.keys(event)) {
      if (FIXED.has(key)) continue;
      const value = (event as unknown as Record<string, unknown>)[key];
      if (value !== undefined) line += `,"${key}":${JSON.stringify(value)}`;
    }
  }
  return `${line},"msg":${JSON.stringify(`[${event.sid}] ${describeEvent(event)}`)}}\n`;
}
