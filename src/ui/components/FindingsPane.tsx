import { Box, Text } from 'ink';
import type { UiFinding } from '../model.js';
import type { Theme } from '../theme.js';
import { Row } from './Row.js';

/** Rows the pane takes under a transcript: a title and up to three findings (F walks through all). */
export function findingsPaneHeight(findings: UiFinding[]): number {
  return findings.length ? 1 + Math.min(3, findings.length) : 0;
}

/** The session's findings under its transcript; the one F last jumped to is highlighted. */
export function FindingsPane({
  findings,
  current,
  theme,
}: {
  findings: UiFinding[];
  current: number | null;
  theme: Theme;
}) {
  if (!findings.length) return null;
  const shown = findingsPaneHeight(findings) - 1;
  const at =
    current === null
      ? 0
      : Math.max(
          0,
          findings.findIndex((f) => f.at === current),
        );
  const start = Math.max(0, Math.min(findings.length - shown, at - 1));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" bold color={theme.color('yellow')}>
        {`Findings: ${findings.length} (F: next, shown on its line)`}
      </Text>
      {findings.slice(start, start + shown).map((f) => (
        <Row
          key={`${f.id}:${f.at}`}
          theme={theme}
          highlight={f.at === current ? 'selected' : null}
          segments={[
            { text: `line ${String(f.line).padEnd(5)} `, style: 'time' },
            {
              text: `${f.severity.padEnd(5)} `,
              style: f.severity === 'info' ? 'meta' : f.severity === 'error' ? 'fail' : 'scenario',
            },
            { text: `${f.id} `, style: 'tag' },
            { text: f.message, style: 'server' },
          ]}
        />
      ))}
    </Box>
  );
}
