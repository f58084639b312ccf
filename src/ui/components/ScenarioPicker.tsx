import { Box, Text } from 'ink';
import type { Theme } from '../theme.js';
import { listWindow } from './Table.js';

export interface ScenarioEntry {
  name: string;
  description: string;
}

/** `S`: the shipped scenarios; Enter switches the sandbox to one for sessions opened from then on. */
export function ScenarioPicker({
  entries,
  index,
  current,
  height,
  theme,
}: {
  entries: ScenarioEntry[];
  index: number;
  current: string | null;
  height: number;
  theme: Theme;
}) {
  const { start, end } = listWindow(entries.length, index, Math.max(1, height - 1));
  const nameWidth = Math.max(...entries.map((e) => e.name.length)) + 2;
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('cyan')} wrap="truncate-end">
        Scenario for new sessions (↑↓ choose, Enter switch, Esc cancel)
      </Text>
      {entries.slice(start, end).map((e, i) => (
        <Text key={e.name} wrap="truncate-end" inverse={start + i === index}>
          {start + i === index ? '> ' : '  '}
          <Text bold={e.name === current}>{e.name.padEnd(nameWidth)}</Text>
          {e.name === current ? '(running) ' : ''}
          {e.description}
        </Text>
      ))}
    </Box>
  );
}
