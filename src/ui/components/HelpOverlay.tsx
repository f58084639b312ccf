import { Box, Text } from 'ink';
import { KEY_HELP } from '../keys.js';
import type { Theme } from '../theme.js';

export function HelpOverlay({ height, theme }: { height: number; theme: Theme }) {
  const keyWidth = Math.max(...KEY_HELP.map(([k]) => k.length)) + 2;
  // On a short terminal the list is cut at the bottom (the keys used most come first) and says so.
  const room = Math.max(0, height - 1);
  const shown = KEY_HELP.length > room ? KEY_HELP.slice(0, Math.max(0, room - 1)) : KEY_HELP;
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('cyan')} wrap="truncate-end">
        Keys (any key closes this help)
      </Text>
      {shown.map(([key, what]) => (
        <Text key={key} wrap="truncate-end">
          <Text bold>{key.padEnd(keyWidth)}</Text>
          {what}
        </Text>
      ))}
      {shown.length < KEY_HELP.length && (
        <Text dimColor={theme.colors} wrap="truncate-end">
          {`… ${KEY_HELP.length - shown.length} more keys on a taller terminal (README: Terminal UI)`}
        </Text>
      )}
    </Box>
  );
}
