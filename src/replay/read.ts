import type { Proto } from '../transcript/events.js';

/** One line of a recorded conversation: what the client sent (C) or the server (S). */
export interface RecordedLine {
  dir: 'C' | 'S';
  line: string;
  /** Line number in the recording, for messages. */
  at: number;
}

export interface Recording {
  proto: Proto;
  /** The listener it was recorded on, when the recording says (session-open). */
  listener: string | null;
  lines: RecordedLine[];
}

/** A recording that cannot be read: the message names the file and the line. */
export class RecordingError extends Error {}

const TXT_LINE = /^\d{2}:\d{2}:\d{2}\.\d{3} (?:(C|S): ?(.*)|(--) (.*))$/;
const PASTE_LINE = /^(C|S): ?(.*)$/;
/** The decoded reading the transcript appends to AUTH payloads; not part of what was sent. */
const DECODED = / {4}\[decoded: .*\]$/;
const SESSION_OPEN = /^(smtp|imap|pop3) session \S+ on (\S+)/;

function fail(file: string, at: number, why: string): never {
  throw new RecordingError(`${file}:${at}: ${why}`);
}

function fromJsonl(text: string, file: string): Omit<Recording, 'proto'> & { proto: Proto | null } {
  const lines: RecordedLine[] = [];
  let proto: Proto | null = null;
  let listener: string | null = null;
  text.split('\n').forEach((raw, i) => {
    const at = i + 1;
    if (!raw.trim()) return;
    let event: { type?: unknown; line?: unknown; proto?: unknown; listener?: unknown };
    try {
      event = JSON.parse(raw) as typeof event;
    } catch {
      fail(file, at, 'not a JSON transcript event');
    }
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string')
      fail(file, at, 'a transcript event needs a "type"');
    if (event.type === 'session-open') {
      proto = (event.proto as Proto) ?? null;
      listener = typeof event.listener === 'string' ? event.listener : null;
    }
    if (event.type !== 'client-line' && event.type !== 'server-line') return;
    if (typeof event.line !== 'string') fail(file, at, `${event.type} without a "line"`);
    lines.push({ dir: event.type === 'client-line' ? 'C' : 'S', line: event.line, at });
  });
  return { proto, listener, lines };
}

function fromText(text: string, file: string): Omit<Recording, 'proto'> & { proto: Proto | null } {
  const lines: RecordedLine[] = [];
  let proto: Proto | null = null;
  let listener: string | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const at = i + 1;
    if (!raw.trim()) return;
    const txt = TXT_LINE.exec(raw);
    if (txt?.[3] || raw.startsWith('-- ')) {
      const open = SESSION_OPEN.exec(txt?.[4] ?? raw.slice(3));
      if (open) [proto, listener] = [open[1] as Proto, open[2]!];
      return;
    }
    const m = txt ?? PASTE_LINE.exec(raw);
    if (!m)
      fail(
        file,
        at,
        `expected "C: …" or "S: …" (a transcript line), got ${JSON.stringify(raw.slice(0, 60))}`,
      );
    lines.push({ dir: m[1] as 'C' | 'S', line: m[2]!.replace(DECODED, ''), at });
  });
  return { proto, listener, lines };
}

/** The protocol a recording without a session-open line speaks, from its greeting. */
function guessProto(lines: RecordedLine[]): Proto | null {
  const first = lines.find((l) => l.dir === 'S')?.line ?? '';
  if (/^220[ -]/.test(first)) return 'smtp';
  if (/^\* (OK|PREAUTH)\b/i.test(first)) return 'imap';
  if (/^\+OK\b/.test(first)) return 'pop3';
  return null;
}

/**
 * Reads a recorded session: the sandbox's .jsonl (one transcript event a line), its .txt
 * (`09:17:47.682 S: 220 …`), or the plain `S: ` / `C: ` lines people paste into bug reports.
 */
export function readRecording(text: string, file: string): Recording {
  const jsonl = text.trimStart().startsWith('{');
  const read = jsonl ? fromJsonl(text, file) : fromText(text, file);
  if (read.lines.length === 0) fail(file, 1, 'no client or server lines in the recording');
  if (read.lines[0]!.dir !== 'S')
    fail(file, read.lines[0]!.at, 'a recording starts with the server greeting (S: …)');
  const proto = read.proto ?? guessProto(read.lines);
  if (!proto) fail(file, read.lines[0]!.at, 'cannot tell the protocol from the greeting (220 / * OK / +OK)');
  return { proto, listener: read.listener, lines: read.lines };
}
