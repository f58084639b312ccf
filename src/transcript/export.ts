import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { TranscriptBus } from './bus.js';
import { formatEvent, formatTranscript } from './describe.js';
import type { TranscriptEvent } from './events.js';

// The text of an event lives in describe.ts (shared with the web page); these names stay importable here.
export { describeEvent, formatEvent, formatTranscript, storedText } from './describe.js';

function fileBase(event: TranscriptEvent): string {
  const stamp = new Date(event.time).toISOString().replace(/[:.]/g, '-');
  return `${stamp}_${event.sid.replace('#', '-')}`;
}

/**
 * `--record DIR`: every session as DIR/<time>_<sid>.txt (telnet style) and .jsonl (one event a line),
 * appended as the session goes so a crash loses nothing already shown.
 */
export class TranscriptRecorder {
  private readonly files = new Map<string, { text: WriteStream; jsonl: WriteStream }>();
  private readonly unsubscribe: () => void;

  constructor(
    bus: TranscriptBus,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.unsubscribe = bus.subscribe((event) => this.write(event));
  }

  private write(event: TranscriptEvent): void {
    let files = this.files.get(event.sid);
    if (!files) {
      if (event.type !== 'session-open') return;
      const base = join(this.dir, fileBase(event));
      const open = (path: string) => {
        const s = createWriteStream(path, { flags: 'a' });
        s.on('error', () => {});
        return s;
      };
      files = { text: open(base + '.txt'), jsonl: open(base + '.jsonl') };
      this.files.set(event.sid, files);
    }
    files.text.write(formatEvent(event) + '\n');
    files.jsonl.write(JSON.stringify(event) + '\n');
    if (event.type === 'session-close') {
      // Findings about the whole session (no-quit) follow its close in a microtask: they still
      // belong in its files, which are closed a turn later.
      const closing = files;
      setImmediate(() => {
        if (this.files.get(event.sid) !== closing) return;
        closing.text.end();
        closing.jsonl.end();
        this.files.delete(event.sid);
      });
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    const ends: Promise<void>[] = [];
    for (const { text, jsonl } of this.files.values())
      for (const s of [text, jsonl]) ends.push(new Promise((r) => s.end(r)));
    this.files.clear();
    await Promise.all(ends);
  }
}

/** Writes one session's retained events as a .txt and a .jsonl file (the UI's save action). */
export async function saveSession(
  events: TranscriptEvent[],
  dir: string,
): Promise<{ text: string; jsonl: string }> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  // '-saved' keeps a saved copy from overwriting the file --record is writing into the same folder.
  const base = join(dir, fileBase(events[0]!) + '-saved');
  const text = base + '.txt';
  const jsonl = base + '.jsonl';
  await writeFile(text, formatTranscript(events));
  await writeFile(jsonl, events.map((e) => JSON.stringify(e) + '\n').join(''));
  return { text, jsonl };
}
