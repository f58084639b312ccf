import { Box, Text } from 'ink';
import type { ScreenRow } from '../layout.js';
import type { Theme } from '../theme.js';
import { Row } from './Row.js';

/** The window of a transcript (one session or all) that fits the screen, computed by the App. */
export function LineView({
  rows,
  currentMatch,
  isMatch,
  emptyText,
  theme,
}: {
  rows: ScreenRow[];
  currentMatch: number | null;
  isMatch: (row: ScreenRow) => boolean;
  emptyText: string;
  theme: Theme;
}) {
  if (rows.length === 0) {
    return (
      <Text wrap="truncate-end" dimColor={theme.colors}>
        {emptyText}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      {rows.map((row, i) => (
        // Keyed by position, as the lists are: following a flood, every row shows another line each
        // frame, and a node kept is cheaper for React and Ink (and its text measure, measure.ts) than
        // one mounted.
        <Row
          key={i}
          segments={row.segments}
          theme={theme}
          highlight={row.line.seq === currentMatch ? 'current' : isMatch(row) ? 'match' : null}
        />
      ))}
    </Box>
  );
}
