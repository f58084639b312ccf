import { Text } from 'ink';
import { memo } from 'react';
import type { Segment } from '../layout.js';
import type { Theme } from '../theme.js';

export type Highlight = 'current' | 'match' | 'selected' | null;

/** One screen row of coloured pieces, cut at the terminal's edge (never wrapped by Ink: the views
 *  count rows themselves). */
export const Row = memo(function Row({
  segments,
  theme,
  highlight = null,
}: {
  segments: Segment[];
  theme: Theme;
  highlight?: Highlight;
}) {
  return (
    <Text
      wrap="truncate-end"
      inverse={highlight === 'current' || highlight === 'selected'}
      underline={highlight === 'match'}
    >
      {segments.map((s, i) => (
        <Text key={i} {...theme.segment(s.style)}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
});
