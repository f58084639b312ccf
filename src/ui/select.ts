import type { Proto } from '../transcript/events.js';
import type { SessionRow, TranscriptModel, UiLine } from './model.js';

export interface Filters {
  proto: Proto | null;
  listener: string | null;
  errorsOnly: boolean;
}

export const NO_FILTERS: Filters = { proto: null, listener: null, errorsOnly: false };

export type Order = 'newest' | 'oldest';

/** A read-only run of lines, oldest first: a session's ring, the stream, or a filtered copy. */
export interface LineList {
  readonly length: number;
  get(index: number): UiLine;
}

function arrayList(lines: UiLine[]): LineList {
  return { length: lines.length, get: (i) => lines[i]! };
}

function sessionPasses(row: Pick<SessionRow, 'proto' | 'listener'>, filters: Filters): boolean {
  return (
    (!filters.proto || row.proto === filters.proto) &&
    (!filters.listener || row.listener === filters.listener)
  );
}

function rowMatches(row: SessionRow, query: string): boolean {
  const q = query.toLowerCase();
  return [row.sid, row.listener, row.client, row.user ?? '', row.tls, row.lastReply ?? ''].some((f) =>
    f.toLowerCase().includes(q),
  );
}

/** The sessions list as shown: filtered by protocol, listener, errors and the search text, sorted. */
export function visibleSessions(
  model: TranscriptModel,
  filters: Filters,
  order: Order,
  query: string,
): SessionRow[] {
  const rows: SessionRow[] = [];
  for (const row of model.sessions.values()) {
    if (!sessionPasses(row, filters)) continue;
    if (filters.errorsOnly && row.errors === 0) continue;
    if (query && !rowMatches(row, query)) continue;
    rows.push(row);
  }
  // The map keeps arrival order; newest first is the common case for an admin watching live.
  return order === 'newest' ? rows.reverse() : rows;
}

/**
 * Errors only: the failure lines, each with the client line just before it (the command that
 * failed is what the reader wants to see next to the reply).
 */
function errorsWithCause(lines: LineList): UiLine[] {
  const out: UiLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines.get(i);
    if (line.status !== 'fail') continue;
    const before = i > 0 ? lines.get(i - 1) : null;
    if (before && before.kind === 'client' && before.sid === line.sid && out.at(-1) !== before)
      out.push(before);
    out.push(line);
  }
  return out;
}

/** The lines of one session, or of every session interleaved, after the filters. */
export function filterLines(source: LineList, filters: Filters, bySession: boolean): LineList {
  let lines = source;
  if (bySession && (filters.proto || filters.listener)) {
    const kept: UiLine[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines.get(i);
      if (sessionPasses(line, filters)) kept.push(line);
    }
    lines = arrayList(kept);
  }
  if (filters.errorsOnly) lines = arrayList(errorsWithCause(lines));
  return lines;
}

export function lineMatches(line: UiLine, query: string): boolean {
  if (!query) return false;
  const q = query.toLowerCase();
  return (
    line.text.toLowerCase().includes(q) ||
    (line.decoded?.toLowerCase().includes(q) ?? false) ||
    line.sid.toLowerCase() === q
  );
}

/** First index whose line has `seq` ≥ the given one (lines are in seq order). */
export function indexOfSeq(lines: LineList, seq: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lines.get(mid).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The next (dir 1) or previous (dir -1) matching line strictly after/before `fromIndex`, wrapping. */
export function findMatch(lines: LineList, query: string, fromIndex: number, dir: 1 | -1): number | null {
  const n = lines.length;
  if (!query || n === 0) return null;
  for (let step = 1; step <= n; step++) {
    const i = (((fromIndex + dir * step) % n) + n) % n;
    if (lineMatches(lines.get(i), query)) return i;
  }
  return null;
}

export function countMatches(lines: LineList, query: string): number {
  let count = 0;
  for (let i = 0; i < lines.length; i++) if (lineMatches(lines.get(i), query)) count++;
  return count;
}
