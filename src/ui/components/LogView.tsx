import { Box, Text } from 'ink';
import type { StatusLine } from '../state.js';
import type { Theme } from '../theme.js';

export function levelColor(level: StatusLine['level'], theme: Theme): string | undefined {
  return level === 'error' ? theme.color('red') : level === 'warn' ? theme.color('yellow') : undefined;
}

/** The sandbox's own messages (bind failures, warnings, certificate), newest at the bottom. */
export function LogView({
  messages,
  height,
  theme,
}: {
  messages: StatusLine[];
  height: number;
  theme: Theme;
}) {
  if (messages.length === 0) return <Text dimColor={theme.colors}>No messages from the sandbox.</Text>;
  return (
    <Box flexDirection="column">
      {messages.slice(-Math.max(1, height)).map((m, i) => (
        <Text key={i} wrap="truncate-end" color={levelColor(m.level, theme)}>
          {`${m.level.padEnd(5)} ${m.text}`}
        </Text>
      ))}
    </Box>
  );
}
