import type { SegmentStyle } from './layout.js';

export interface TextStyle {
  color?: string;
  dimColor?: boolean;
  bold?: boolean;
  inverse?: boolean;
}

/** https://no-color.org: any non-empty NO_COLOR turns colours off (bold/inverse stay: they are not colour). */
export function colorsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

const COLORS: Record<SegmentStyle, TextStyle> = {
  time: { dimColor: true },
  tag: { color: 'blue' },
  client: { color: 'cyan' },
  server: {},
  ok: { color: 'green' },
  fail: { color: 'red', bold: true },
  decoded: { color: 'yellow' },
  tls: { color: 'magenta' },
  scenario: { color: 'yellow', bold: true },
  meta: { dimColor: true },
};

const PLAIN: Record<SegmentStyle, TextStyle> = {
  time: {},
  tag: {},
  client: {},
  server: {},
  ok: {},
  fail: { bold: true },
  decoded: {},
  tls: {},
  scenario: { bold: true },
  meta: {},
};

export interface Theme {
  colors: boolean;
  segment(style: SegmentStyle): TextStyle;
  /** A named colour, or nothing when colours are off. */
  color(name: string): string | undefined;
}

export function makeTheme(colors: boolean): Theme {
  const table = colors ? COLORS : PLAIN;
  return { colors, segment: (s) => table[s], color: (name) => (colors ? name : undefined) };
}
