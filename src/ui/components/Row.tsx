import { Text } from 'ink';
import { memo } from 'react';
import type { Segment } from '../layout.js';
import type { Theme } from '../theme.js';

export type Highlight = 'current' | 'match' | 'selected' | null;

interface RowProps {
  segments: Segment[];
  theme: Theme;
  highlight?: Highlight;
}

/** Neighbouring pieces that look the same become one Text node: fewer nodes for React and Ink. */
function merged(segments: Segment[], theme: Theme): { text: string; style: Segment['style'] }[] {
  const out: { text: string; style: Segment['style'] }[] = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (last && theme.segment(last.style) === theme.segment(s.style)) last.text += s.text;
    else out.push({ text: s.text, style: s.style });
  }
  return out;
}

/** Rows are rebuilt every frame; comparing their content lets React skip the ones that did not change. */
function sameRow(a: RowProps, b: RowProps): boolean {
  if (a.theme !== b.theme || a.highlight !== b.highlight || a.segments.length !== b.segments.length)
    return false;
  return a.segments.every((s, i) => s.text === b.segments[i]!.text && s.style === b.segments[i]!.style);
}

/** One screen row of coloured pieces, cut at the terminal's edge (never wrapped by Ink: the views
 *  count rows themselves). */
export const Row = memo(function Row({ segments, theme, highlight = null }: RowProps) {
  return (
    <Text
      wrap="truncate-end"
      inverse={highlight === 'current' || highlight === 'selected'}
      underline={highlight === 'match'}
    >
      {merged(segments, theme).map((s, i) => (
        <Text key={i} {...theme.segment(s.style)}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}, sameRow);
