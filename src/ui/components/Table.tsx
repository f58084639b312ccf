import { Box, Text } from 'ink';
import type { Segment } from '../layout.js';
import { cutSegments } from '../measure.js';
import type { Theme } from '../theme.js';
import { Row } from './Row.js';

/** One column of a list: its title, its width, and what a row shows in it. */
export interface Column<T> {
  title: string;
  width: number;
  /** Numbers line up on the right. */
  right?: boolean;
  /** One piece, or several side by side (padded together to the column's width). */
  cell(item: T): Segment | Segment[];
}

/** Cut to `width` (with `…`) or padded to it. */
export function fit(text: string, width: number, right = false): string {
  const t = text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text;
  return right ? t.padStart(width) : t.padEnd(width);
}

/** The rows to show so the selection stays on screen, kept near the middle while scrolling. */
export function listWindow(count: number, selected: number, height: number): { start: number; end: number } {
  if (count <= height) return { start: 0, end: count };
  const start = Math.max(0, Math.min(count - height, selected - Math.floor(height / 2)));
  return { start, end: start + height };
}

/** A row's cells, each padded to its column and followed by a space (not the last: 80 columns fit). */
function cells<T>(item: T, columns: Column<T>[]): Segment[] {
  const segs: Segment[] = [];
  columns.forEach((col, i) => {
    const gap = i < columns.length - 1 ? ' ' : '';
    const cell = col.cell(item);
    if (!Array.isArray(cell)) {
      segs.push({ text: fit(cell.text, col.width, col.right) + gap, style: cell.style });
      return;
    }
    const parts = cell.filter((s) => s.text);
    const used = parts.reduce((n, s) => n + s.text.length, 0);
    segs.push(...parts, { text: ' '.repeat(Math.max(0, col.width - used)) + gap, style: 'meta' });
  });
  return segs;
}

/**
 * A list with a header row that shows only the rows that fit, the selected one marked and kept on
 * screen: the sessions list and the messages list. `columns` gets the rows on screen, so a column can
 * size itself to what it shows.
 */
export function Table<T>({
  items,
  columns,
  selected,
  height,
  width,
  theme,
}: {
  items: readonly T[];
  columns: (visible: readonly T[]) => Column<T>[];
  selected: number;
  height: number;
  /** The screen's: a row wider than this (the columns' minimum widths on a narrow screen) is cut. */
  width: number;
  theme: Theme;
}) {
  const { start, end } = listWindow(items.length, selected, Math.max(1, height - 1));
  const visible = items.slice(start, end);
  const cols = columns(visible);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" bold>
        {'  ' + cols.map((c) => fit(c.title, c.width, c.right)).join(' ')}
      </Text>
      {visible.map((item, i) => (
        // Keyed by position on screen: under a flood every row shows another item each frame, and
        // updating a row's text in place is cheaper for React and Ink than unmounting and mounting it.
        <Row
          key={i}
          theme={theme}
          highlight={start + i === selected ? 'selected' : null}
          segments={cutSegments(
            [{ text: start + i === selected ? '> ' : '  ', style: 'server' }, ...cells(item, cols)],
            width,
          )}
        />
      ))}
    </Box>
  );
}
