import { Box, Text } from 'ink';
import { KEY_HELP } from '../keys.js';
import type { Theme } from '../theme.js';

export function HelpOverlay({ height, theme }: { height: number; theme: Theme }) {
  const keyWidth = Math.max(...KEY_HELP.map(([k]) => k.length)) + 2;
  // On a short terminal the list is cut at the bottom; the first keys are the ones used most.
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('cyan')} wrap="truncate-end">
        Keys (any key closes this help)
      </Text>
      {KEY_HELP.slice(0, Math.max(0, height - 1)).map(([key, what]) => (
        <Text key={key} wrap="truncate-end">
          <Text bold>{key.padEnd(keyWidth)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
