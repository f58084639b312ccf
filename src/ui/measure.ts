import type { DOMElement } from 'ink';
import stringWidth from 'string-width';
import type { Segment } from './layout.js';

/**
 * Ink 6 measures a `<Text>` for layout through a module-level cache of every string it has ever
 * measured (and, for a text wider than its box, every wrapped or cut copy), never cleared. Under a
 * flood every frame brings new rows — new session ids, ports, counters — and that cache grew by about
 * 5 KB a frame: 300 MB an hour at 10 frames a second (bench/ui-frames.ts). The UI's dynamic texts all
 * cut at the edge (`wrap="truncate-…"`), which makes their size easy to know without Ink's help: one
 * row per line, as wide as the text or the room, whichever is less. `measureTextsOnce` gives every
 * such text node of a tree a measure function that computes that and keeps nothing. A node is
 * measured by Ink once when it mounts, before this runs; nodes are kept across frames (rows are keyed
 * by position), so only what the user opens adds to Ink's cache, never what the servers do.
 */

/** Nodes that already measure themselves. */
const done = new WeakSet<DOMElement>();

/** Terminal columns a line takes; most lines are plain ASCII, which `string-width` would scan slowly. */
export function lineWidth(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return stringWidth(line);
  }
  return line.length;
}

/** The characters a text node shows (its styles only add escape codes, which take no columns). */
function plainText(node: DOMElement): string {
  let text = '';
  for (const child of node.childNodes) {
    if (child.nodeName === '#text') text += child.nodeValue;
    else if (child.nodeName === 'ink-text' || child.nodeName === 'ink-virtual-text') text += plainText(child);
  }
  return text;
}

/** What Ink's own measure gives for a text that is cut, not wrapped, at `width` columns. */
export function measureCutText(text: string, width: number): { width: number; height: number } {
  if (text === '') return { width: 0, height: 0 };
  const lines = text.split('\n');
  let widest = 0;
  for (const line of lines) widest = Math.max(widest, lineWidth(line));
  // Ink keeps the text whole when it fits, and when Yoga asks about a space under one column.
  if (widest <= width || (width > 0 && width < 1)) return { width: widest, height: lines.length };
  return { width: Math.floor(width), height: lines.length };
}

/** Gives every cut text node under `root` the cache-free measure above (once per node). */
export function measureTextsOnce(root: DOMElement | null): void {
  if (!root) return;
  for (const child of root.childNodes) {
    if (child.nodeName === '#text') continue;
    if (child.nodeName === 'ink-text') {
      const node = child;
      if (!done.has(node) && node.yogaNode && node.style.textWrap?.startsWith('truncate')) {
        node.yogaNode.setMeasureFunc((width) => measureCutText(plainText(node), width));
        done.add(node);
      }
      continue;
    }
    measureTextsOnce(child);
  }
}

/**
 * A row's pieces cut to `width` columns as Ink cuts a `wrap="truncate-end"` text that is too wide:
 * the first width − 1 columns and `…` in the style of the last one kept. Rows cut here never reach
 * Ink's own cut, which keeps every row it ever cut in another cache that is never cleared (a session
 * list on 80 columns overflows once session ids reach `smtp#10000`).
 */
export function cutSegments(segments: Segment[], width: number): Segment[] {
  let total = 0;
  for (const s of segments) total += lineWidth(s.text);
  if (total <= width) return segments;
  if (width < 1) return [];
  const out: Segment[] = [];
  let room = width - 1;
  for (const s of segments) {
    const w = lineWidth(s.text);
    if (w <= room) {
      out.push(s);
      room -= w;
      continue;
    }
    let kept = '';
    // As slice-ansi does: a wide character that starts in the room is kept whole.
    for (const ch of s.text) {
      if (room <= 0) break;
      kept += ch;
      room -= lineWidth(ch);
    }
    if (kept) out.push({ text: kept, style: s.style });
    break;
  }
  const last = out.at(-1);
  if (last) out[out.length - 1] = { text: last.text + '…', style: last.style };
  else out.push({ text: '…', style: 'server' });
  return out;
}
