import type { TranscriptEvent } from '../transcript/events.js';
import { describeEvent } from '../transcript/export.js';

/** pino's numeric levels, so these lines read like the pino lines around them. */
const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/** Keys every line starts with, or that a line never repeats from the event. */
const FIXED = new Set(['seq', 'time', 'type', 'sid', 'proto', 'line', 'decoded', 'level']);

/**
 * Text that JSON.stringify and visible() both leave as it is: printable ASCII without `"` and `\`.
 * Nearly every transcript line is such text; it is then put between quotes without being copied.
 */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Transcript events as pino-compatible JSON lines (`level`, `time`, `event`, `proto`, `sid`, the
 * event's own fields, `dir`, `msg`), serialized by hand: with a client that sends mail as fast as it
 * can, pino's generic serializer and one write call per line cost about a sixth of the server's CPU.
 *
 * The server never waits for the log: `write` only keeps the event, and the lines are made and
 * handed to `out` as one string once `maxPending` events are waiting or `maxDelayMs` after the first
 * of them (so a follower of the log still sees it live), whichever comes first.
 */
export class EventLineWriter {
  private pending: TranscriptEvent[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly out: (text: string) => void,
    private readonly maxPending = 256,
    private readonly maxDelayMs = 50,
  ) {}

  write(event: TranscriptEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.maxPending) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    let text = '';
    for (const event of events) text += eventLine(event);
    this.out(text);
  }
}

export function eventLine(event: TranscriptEvent): string {
  if (event.type === 'client-line' || event.type === 'server-line') {
    const fast = plainLineEvent(event);
    if (fast !== null) return fast;
  }
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
    for (const key in event) {
      if (FIXED.has(key)) continue;
      const value = (event as unknown as Record<string, unknown>)[key];
      if (value !== undefined) line += `,"${key}":${jsonValue(value)}`;
    }
  }
  return `${line},"msg":${jsonValue(`[${event.sid}] ${describeEvent(event)}`)}}\n`;
}

/**
 * JSON.stringify(value), without its set-up cost for what most fields hold: plain strings, numbers,
 * and (a message-stored event, one per SMTP message) a list of plain addresses and the flat `shape`.
 */
function jsonValue(value: unknown): string {
  if (typeof value === 'string') return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return plainList(value) ?? JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return flatObject(value) ?? JSON.stringify(value);
  return JSON.stringify(value);
}

/** `["a","b"]` for a list of plain strings; null for anything else (JSON.stringify's to do). */
function plainList(list: unknown[]): string | null {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item !== 'string' || !PLAIN.test(item)) return null;
    out += i === 0 ? `"${item}"` : `,"${item}"`;
  }
  return out + ']';
}

/**
 * `{"k":v,…}` for a plain object whose keys are plain and whose values are booleans, finite numbers or
 * plain strings, keys in JSON.stringify's order (for…in's, for an object literal); null otherwise.
 */
function flatObject(object: object): string | null {
  if (Object.getPrototypeOf(object) !== Object.prototype) return null;
  let out = '{';
  for (const key in object) {
    const value = (object as Record<string, unknown>)[key];
    let text: string;
    if (typeof value === 'boolean') text = value ? 'true' : 'false';
    else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
    else if (typeof value === 'string' && PLAIN.test(value)) text = `"${value}"`;
    else return null;
    if (!PLAIN.test(key)) return null;
    out += out.length === 1 ? `"${key}":${text}` : `,"${key}":${text}`;
  }
  return out + '}';
}

/**
 * A client or server line whose text needs no escaping (the usual case): the same line eventLine()
 * writes, from the text as it is. Null when some part needs JSON escaping or visible() (the slow path).
 */
function plainLineEvent(event: TranscriptEvent & { type: 'client-line' | 'server-line' }): string | null {
  const { sid, line, decoded } = event;
  if (!PLAIN.test(line) || !PLAIN.test(sid) || (decoded !== undefined && !PLAIN.test(decoded))) return null;
  const client = event.type === 'client-line';
  const head = `{"level":30,"time":${event.time},"event":"${event.type}","proto":"${event.proto}","sid":"${sid}","line":"${line}"`;
  if (decoded === undefined)
    return `${head},"dir":"${client ? 'C' : 'S'}","msg":"[${sid}] ${client ? 'C' : 'S'}: ${line}"}\n`;
  const reading = decoded ? `    [decoded: ${decoded}]` : '';
  return `${head},"decoded":"${decoded}","dir":"${client ? 'C' : 'S'}","msg":"[${sid}] ${client ? 'C' : 'S'}: ${line}${reading}"}\n`;
}
