import { Text } from 'ink';
import type { Segment } from '../layout.js';
import type { SessionRow } from '../model.js';
import type { Theme } from '../theme.js';
import { Table, type Column } from './Table.js';

type SessionColumn = Column<SessionRow>;

/** The session column is never narrower than this; wider when an id on screen needs it. */
const MIN_SID_WIDTH = 8;

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

/** Columns for this width: the user column takes what is left; a narrow screen shortens TLS and client.
 *  The session column fits the longest id on screen: after a flood ids run to `smtp#123456`, and a
 *  cut one (`smtp#12…`) cannot be told from its neighbours. */
function columns(width: number, shown: readonly SessionRow[]): SessionColumn[] {
  const wide = width >= 110;
  const sidWidth = shown.reduce((w, r) => Math.max(w, r.sid.length), MIN_SID_WIDTH);
  const fixed: SessionColumn[] = [
    { title: 'session', width: sidWidth, cell: (r) => ({ text: r.sid, style: 'tag' }) },
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
  const tail: SessionColumn[] = [
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
            right: true,
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
  const user: SessionColumn = {
    title: 'user',
    width: Math.max(6, width - used),
    cell: (r) => ({ text: r.user ?? '-', style: r.user ? 'server' : 'meta' }),
  };
  return [...fixed, user, ...tail];
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
  return (
    <Table
      items={rows}
      columns={(shown) => columns(width, shown)}
      selected={selected}
      height={height}
      width={width}
      theme={theme}
    />
  );
}
