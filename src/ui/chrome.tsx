import { Text } from 'ink';
import { levelColor } from './components/LogView.js';
import type { TranscriptModel } from './model.js';
import type { Filters, LineList } from './select.js';
import type { StatusLine, UiState } from './state.js';
import type { Theme } from './theme.js';

/** The title row, the status row and the key hints around every view. */
function filterSummary(filters: Filters, query: string): string {
  const active = activeFilters(filters, query);
  return active ? ` · ${active}` : '';
}

/** `proto imap · search "x"`, or null when nothing filters. */
export function activeFilters(filters: Filters, query: string): string | null {
  const parts: string[] = [];
  if (filters.proto) parts.push(`proto ${filters.proto}`);
  if (filters.listener) parts.push(`listener ${filters.listener}`);
  if (filters.errorsOnly) parts.push('errors only');
  if (query) parts.push(`search "${query}"`);
  return parts.length ? parts.join(' · ') : null;
}

export function viewTitle(
  state: UiState,
  model: TranscriptModel,
  shown: number,
  lines: LineList | null,
  messages: number,
): string {
  const filters = filterSummary(state.filters, state.query);
  const mode = state.scroll.kind === 'follow' ? 'FOLLOW' : 'BROWSE';
  switch (state.view.kind) {
    case 'sessions':
      return `Sessions: ${shown} shown, ${state.order} first${filters}`;
    case 'all':
      return `${mode} all sessions, interleaved · ${lines?.length ?? 0} lines${filters}`;
    case 'log':
      return 'Sandbox log';
    case 'messages':
      return `Messages: ${messages} stored, newest first`;
    case 'message':
      return `Message ${state.view.id}${state.view.raw ? ' (raw)' : ''}`;
    case 'transcript': {
      const row = model.sessions.get(state.view.sid);
      if (!row) return `${state.view.sid} (cleared)`;
      const kept = row.lines.length < row.lineCount ? ` (${row.lines.length} kept)` : '';
      const back = state.view.back ? ' · Esc: back to the message' : '';
      return `${mode} ${row.sid} ${row.listener} ${row.client} ${row.tls} ${row.user ?? '-'} ${row.state} · ${row.lineCount} lines${kept}${filters}${back}`;
    }
  }
}

/** The footer's key hints; each fits 80 columns (below 100) and 120 columns (wider). */
export function keysHint(state: UiState, width: number): string {
  const narrow = width < 100;
  switch (state.view.kind) {
    case 'sessions':
      return narrow
        ? '↑↓ move ⏎ open a all m mail / search p l e filter s save c clear ? help q quit'
        : '↑↓/j k move  Enter open  a all sessions  m messages  L log  / search  p l e filters  o order  s save  c clear  ? help  q';
    case 'transcript':
    case 'all':
      return narrow
        ? 'PgUp PgDn Home End scroll / n N search F finding e errors s save Esc back ? q'
        : 'PgUp/PgDn/Home/End scroll (End follows)  / search  n/N next/prev  F finding  p l e filters  s save  Esc back  ? q';
    case 'messages':
      return narrow
        ? '↑↓ move ⏎ open r raw t session transcript Esc back ? help q quit'
        : '↑↓/j k move  PgUp/PgDn/Home/End  Enter open (headers, MIME, text)  r raw  t session transcript  Esc back  ? help  q quit';
    case 'message':
      return narrow
        ? '↑↓ PgUp PgDn Home End scroll r raw/decoded t transcript Esc back ? q'
        : '↑↓/j k PgUp/PgDn/Home/End scroll  r raw / decoded  t transcript of the delivering session  Esc back  ? help  q quit';
    case 'log':
      return 'Esc back  ? help  q quit';
  }
}

export function StatusRow({
  state,
  last,
  theme,
}: {
  state: UiState;
  last: StatusLine | undefined;
  theme: Theme;
}) {
  if (state.input.kind === 'search')
    return (
      <Text wrap="truncate-end">
        <Text bold>/</Text>
        {state.input.draft}
        <Text inverse> </Text>
      </Text>
    );
  const shown = state.status ?? last;
  if (!shown) return <Text> </Text>;
  return (
    <Text wrap="truncate-end" color={levelColor(shown.level, theme)}>
      {shown.text}
    </Text>
  );
}
