import { Box } from 'ink';
import type { DetailRow } from '../mail.js';
import type { Theme } from '../theme.js';
import { Row } from './Row.js';

/** The rows of an opened message (headers, MIME tree, text, or raw) from `top`, as many as fit. */
export function DetailView({
  rows,
  top,
  height,
  theme,
}: {
  rows: DetailRow[];
  top: number;
  height: number;
  theme: Theme;
}) {
  return (
    <Box flexDirection="column">
      {rows.slice(top, top + height).map((segments, i) => (
        <Row key={top + i} segments={segments} theme={theme} />
      ))}
    </Box>
  );
}
