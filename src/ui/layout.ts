import type { UiLine } from './model.js';
import { indexOfSeq, type LineList } from './select.js';
import { visible } from '../transcript/visible.js';

/** The look of a piece of a row; the theme turns it into colours (or none under NO_COLOR). */
export type SegmentStyle =
  'time' | 'tag' | 'client' | 'server' | 'ok' | 'fail' | 'decoded' | 'tls' | 'scenario' | 'meta';

export interface Segment {
  text: string;
  style: SegmentStyle;
}

export interface ScreenRow {
  key: string;
  segments: Segment[];
  line: UiLine;
}

export type Scroll = { kind: 'follow' } | { kind: 'browse'; topSeq: number };

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

export function clock(time: number, withMillis: boolean): string {
  const d = new Date(time);
  const base = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return withMillis ? `${base}.${d.getMilliseconds().toString().padStart(3, '0')}` : base;
}

const MARKERS: Record<UiLine['kind'], string> = {
  client: 'C:',
  server: 'S:',
  tls: '**',
  scenario: '!!',
  auth: '--',
  stored: '--',
  note: '--',
  open: '>>',
  close: '<<',
  finding: '?!',
};

function bodyStyle(line: UiLine): SegmentStyle {
  switch (line.kind) {
    case 'client':
      return 'client';
    case 'server':
      return line.status === 'ok' ? 'ok' : line.status === 'fail' ? 'fail' : 'server';
    case 'tls':
      return 'tls';
    case 'scenario':
      return 'scenario';
    default:
      return line.status === 'ok' ? 'ok' : line.status === 'fail' ? 'fail' : 'meta';
  }
}

export interface LineFormat {
  millis: boolean;
  /** Width of the session tag column in the all-sessions view; 0 hides it. */
  tagWidth: number;
}

/** One transcript line as coloured pieces: time, [session tag], marker, text, decoded AUTH value. */
export function lineSegments(line: UiLine, format: LineFormat): Segment[] {
  const style = bodyStyle(line);
  const segs: Segment[] = [{ text: clock(line.time, format.millis) + ' ', style: 'time' }];
  if (format.tagWidth > 0) segs.push({ text: line.sid.padEnd(format.tagWidth) + ' ', style: 'tag' });
  segs.push({ text: MARKERS[line.kind] + ' ', style: line.kind === 'client' ? 'client' : style });
  segs.push({ text: visible(line.text), style });
  if (line.decoded !== undefined) segs.push({ text: `  ⇒ ${visible(line.decoded)}`, style: 'decoded' });
  return segs;
}

export function prefixWidth(format: LineFormat): number {
  return (format.millis ? 13 : 9) + (format.tagWidth > 0 ? format.tagWidth + 1 : 0) + 3;
}

/**
 * Hard-wraps pieces into rows of `width` columns, continuation rows indented by `indent` so the
 * text column stays aligned. Counts one column per code point (wide glyphs are rare on the wire;
 * a row that still overflows is truncated by the renderer, never wrapped twice).
 */
export function wrapSegments(segments: Segment[], width: number, indent: number): Segment[][] {
  const w = Math.max(1, width);
  const ind = indent < w ? indent : 0;
  const rows: Segment[][] = [[]];
  let col = 0;
  for (const seg of segments) {
    let rest = Array.from(seg.text);
    while (rest.length) {
      if (col >= w) {
        rows.push(ind ? [{ text: ' '.repeat(ind), style: 'meta' }] : []);
        col = ind;
      }
      const take = rest.slice(0, w - col);
      rows.at(-1)!.push({ text: take.join(''), style: seg.style });
      col += take.length;
      rest = rest.slice(take.length);
    }
  }
  return rows;
}

export interface WindowResult {
  rows: ScreenRow[];
  /** Index of the first line shown (partly, in follow mode). */
  topIndex: number;
  /** True when the last line is on screen. */
  atEnd: boolean;
}

/**
 * Ink 6 has no scrolling box, so the view renders a window itself: in follow mode the rows that end
 * with the newest line; in browse mode the rows starting at the line the user scrolled to. Only the
 * lines on screen are formatted, so cost does not grow with the retained history.
 */
export function windowRows(
  lines: LineList,
  scroll: Scroll,
  height: number,
  width: number,
  format: LineFormat,
): WindowResult {
  const indent = prefixWidth(format);
  const rowsOf = (i: number): ScreenRow[] => {
    const line = lines.get(i);
    return wrapSegments(lineSegments(line, format), width, indent).map((segments, k) => ({
      key: `${line.seq}:${k}`,
      segments,
      line,
    }));
  };
  if (height <= 0 || lines.length === 0) return { rows: [], topIndex: 0, atEnd: true };

  if (scroll.kind === 'browse') {
    const top = Math.min(indexOfSeq(lines, scroll.topSeq), lines.length - 1);
    const out: ScreenRow[] = [];
    let i = top;
    for (; i < lines.length && out.length < height; i++) out.push(...rowsOf(i).slice(0, height - out.length));
    // Scrolled so far that the screen is not full: show the last screenful instead of blank rows.
    if (out.length >= height || top === 0) return { rows: out, topIndex: top, atEnd: i >= lines.length };
  }

  let out: ScreenRow[] = [];
  let i = lines.length - 1;
  for (; i >= 0 && out.length < height; i--) {
    const rows = rowsOf(i);
    out = [...rows.slice(Math.max(0, rows.length - (height - out.length))), ...out];
  }
  return { rows: out, topIndex: i + 1, atEnd: true };
}
