import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TranscriptEvent } from '../transcript/events.js';
import { FindingsRunner, type Report } from './runner.js';

/** The folder cannot be read: `mailsandbox report` exits 2. */
export class UnreadableFolder extends Error {}

/**
 * The findings of a `--record` folder: every session's .jsonl, read in time order through one
 * runner so rules across sessions (retries) see them all. A UI-saved copy (`…-saved.jsonl`) of a
 * session that is also recorded is skipped; lines that are not JSON events are skipped.
 */
export async function reportFolder(dir: string, options: { retryWindowMs?: number } = {}): Promise<Report> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new UnreadableFolder(`${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const jsonl = new Set(names.filter((n) => n.endsWith('.jsonl')));
  const files = [...jsonl]
    .filter((n) => !(n.endsWith('-saved.jsonl') && jsonl.has(n.replace(/-saved\.jsonl$/, '.jsonl'))))
    .sort();
  const events: { event: TranscriptEvent; key: string; order: number }[] = [];
  for (const name of files) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (err) {
      throw new UnreadableFolder(
        `${join(dir, name)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const event = JSON.parse(line) as TranscriptEvent;
        if (typeof event.type === 'string' && typeof event.sid === 'string' && typeof event.time === 'number')
          events.push({ event, key: name, order: events.length });
      } catch {
        // A line cut short by a crash: the rest of the file still counts.
      }
    }
  }
  events.sort(
    (a, b) =>
      a.event.time - b.event.time || (a.key === b.key ? a.order - b.order : a.event.seq - b.event.seq),
  );
  const runner = new FindingsRunner({
    retryWindowMs: options.retryWindowMs,
    maxSessions: Number.MAX_SAFE_INTEGER,
  });
  for (const { event, key } of events) runner.ingest(event, key);
  return runner.report();
}
