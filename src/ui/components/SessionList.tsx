import { Box, Text } from 'ink';
import type { Segment } from '../layout.js';
import type { SessionRow } from '../model.js';
import type { Theme } from '../theme.js';
import { Row } from './Row.js';

interface Column {
  title: string;
  width: number;
  cell(row: SessionRow): Segment | Segment[];
}

function fit(text: string, width: number, right = false): string {
  const t = text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text;
  return right ? t.padStart(width) : t.padEnd(width);
}

function replyStyle(code: string | null): Segment['style'] {
  if (!code) return 'meta';
  if (/^(2|\+OK|OK|PREAUTH)/.test(code)) return 'ok';
  if (/^(4|5|-ERR|NO|BAD)/.test(code)) return 'fail';
  return 'server';
}

/** The findings of a session: the worst severity's letter and how many (`E2`: errors among 2). */
export function findingsCell(row: SessionRow): Segment {
  const f = row.findings;
  if (f.length === 0) return { text: '-', style: 'meta' };
  const worst = f.some((x) => x.severity === 'error')
    ? 'E'
    : f.some((x) => x.severity === 'warn')
      ? 'W'
      : 'i';
  return { text: `${worst}${f.length}`, style: worst === 'i' ? 'meta' : worst === 'E' ? 'fail' : 'scenario' };
}

/** Columns for this width: the user column takes what is left; a narrow screen shortens TLS and client. */
function columns(width: number): Column[] {
  const wide = width >= 110;
  const fixed: Column[] = [
    { title: 'session', width: 8, cell: (r) => ({ text: r.sid, style: 'tag' }) },
    { title: 'listener', width: 10, cell: (r) => ({ text: r.listener, style: 'server' }) },
    { title: 'client', width: wide ? 21 : 15, cell: (r) => ({ text: r.client, style: 'meta' }) },
    {
      title: 'TLS',
      width: wide ? 17 : 12,
      cell: (r) => ({
        text: wide ? r.tls : r.tls.replace(/^(STARTTLS|STLS)→TLSv/, '$1 ').replace(/^TLSv/, 'TLS '),
        style: r.tls === 'plain' ? 'meta' : r.tls.includes('✗') ? 'fail' : 'tls',
      }),
    },
  ];
  const tail: Column[] = [
    {
      title: 'state',
      width: 6,
      cell: (r) => ({ text: r.state, style: r.state === 'open' ? 'ok' : 'meta' }),
    },
    // Narrow screens give the line count's room to the findings (the transcript's title has it).
    ...(wide
      ? [
          {
            title: 'lines',
            width: 5,
            cell: (r: SessionRow): Segment => ({ text: String(r.lineCount), style: 'server' }),
          },
        ]
      : []),
    { title: 'last', width: 5, cell: (r) => ({ text: r.lastReply ?? '-', style: replyStyle(r.lastReply) }) },
    { title: 'find', width: 4, cell: findingsCell },
    {
      // Both marks when both happened: a scenario's 451 is a rule that fired and a failed reply.
      title: '!',
      width: 3,
      cell: (r) => [
        { text: r.scenarioActions ? '!!' : '', style: 'scenario' },
        { text: r.errors ? '✗' : '', style: 'fail' },
      ],
    },
  ];
  // The selection mark, then each column and its space; the last column has none, the user column's.
  const used = [...fixed, ...tail].reduce((n, c) => n + c.width + 1, 2);
  const user: Column = {
    title: 'user',
    width: Math.max(6, width - used),
    cell: (r) => ({ text: r.user ?? '-', style: r.user ? 'server' : 'meta' }),
  };
  return [...fixed, user, ...tail];
}

/** A row's cells, each padded to its column and followed by a space (not the last: 80 columns fit). */
function cells(row: SessionRow, cols: Column[]): Segment[] {
  const segs: Segment[] = [];
  cols.forEach((col, i) => {
    const gap = i < cols.length - 1 ? ' ' : '';
    const cell = col.cell(row);
    if (!Array.isArray(cell)) {
      segs.push({ text: fit(cell.text, col.width, col.title === 'lines') + gap, style: cell.style });
      return;
    }
    const parts = cell.filter((s) => s.text);
    const used = parts.reduce((n, s) => n + s.text.length, 0);
    segs.push(...parts, { text: ' '.repeat(Math.max(0, col.width - used)) + gap, style: 'meta' });
  });
  return segs;
}

/** The rows to show so the selection stays on screen, kept near the middle while scrolling. */
export function listWindow(count: number, selected: number, height: number): { start: number; end: number } {
  if (count <= height) return { start: 0, end: count };
  const start = Math.max(0, Math.min(count - height, selected - Math.floor(height / 2)));
  return { start, end: start + height };
}

export function SessionList({
  rows,
  selectedSid,
  height,
  width,
  theme,
  hiddenBy = null,
}: {
  rows: SessionRow[];
  /** The filters and search in force when sessions exist but none passes them. */
  hiddenBy?: string | null;
  selectedSid: string | null;
  height: number;
  width: number;
  theme: Theme;
}) {
  const cols = columns(width);
  if (rows.length === 0) {
    return (
      <Text wrap="truncate-end" dimColor={theme.colors}>
        {hiddenBy
          ? `No session matches ${hiddenBy} (Esc clears the search; p, l, e change the filters).`
          : 'No sessions yet: point a client at one of the ports above.'}
      </Text>
    );
  }
  const selected = Math.max(
    0,
    rows.findIndex((r) => r.sid === selectedSid),
  );
  const { start, end } = listWindow(rows.length, selected, Math.max(1, height - 1));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" bold>
        {'  ' + cols.map((c) => fit(c.title, c.width, c.title === 'lines')).join(' ')}
      </Text>
      {rows.slice(start, end).map((row, i) => (
        <Row
          key={row.sid}
          theme={theme}
          highlight={start + i === selected ? 'selected' : null}
          segments={[{ text: start + i === selected ? '> ' : '  ', style: 'server' }, ...cells(row, cols)]}
        />
      ))}
    </Box>
  );
}
