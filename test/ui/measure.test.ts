import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Box, Text, type DOMElement } from 'ink';
import { render } from 'ink-testing-library';
import { createElement as h, useLayoutEffect, useRef } from 'react';
import type { Segment } from '../../src/ui/layout.js';
import { cutSegments, measureCutText, measureTextsOnce } from '../../src/ui/measure.js';

/** A row of two cut texts and a bar: where the bar lands shows how wide each text was measured. */
function Line({ a, b, own }: { a: string; b: string; own: boolean }) {
  const ref = useRef<DOMElement>(null);
  useLayoutEffect(() => {
    if (own) measureTextsOnce(ref.current);
  });
  return h(
    Box,
    { ref, width: 24 },
    h(Text, { wrap: 'truncate-end' }, a),
    h(Text, { wrap: 'truncate-end' }, b),
    h(Text, null, '|'),
  );
}

const TEXTS: [string, string][] = [
  ['plain', 'ascii'],
  ['漢字かな', 'x'],
  ['STARTTLS→TLSv1.3 ✗', 'y'],
  ['', 'empty before'],
  ['a line far too long for twenty-four columns', 'b'],
  ['ok', '漢字漢字漢字漢字漢字漢字漢字漢字'],
];

describe('cut texts measured without Ink’s cache', () => {
  it('lays out every text where Ink’s own measure puts it, after the text changes', () => {
    for (const [a, b] of TEXTS) {
      // Ink's measure, as a fresh render.
      const ink = render(h(Line, { a, b, own: false }));
      const expected = ink.lastFrame();
      ink.unmount();
      // Ours: the node is measured by Ink once (the first text), then by measure.ts for the new one.
      const ours = render(h(Line, { a: 'first', b: 'frame', own: true }));
      ours.rerender(h(Line, { a, b, own: true }));
      assert.equal(ours.lastFrame(), expected, `${JSON.stringify(a)} + ${JSON.stringify(b)}`);
      ours.unmount();
    }
  });

  it('counts columns, not characters, and cuts at the room given', () => {
    assert.deepEqual(measureCutText('hello', 80), { width: 5, height: 1 });
    assert.deepEqual(measureCutText('漢字', 80), { width: 4, height: 1 });
    assert.deepEqual(measureCutText('→✗…', 80), { width: 3, height: 1 });
    assert.deepEqual(measureCutText('hello world', 5), { width: 5, height: 1 });
    assert.deepEqual(measureCutText('', 5), { width: 0, height: 0 });
  });
});

describe('rows cut before Ink sees them', () => {
  const ROW: Segment[] = [
    { text: '> ', style: 'server' },
    { text: 'smtp#10000 ', style: 'tag' },
    { text: 'smtp       ', style: 'server' },
    { text: '127.0.0.1:54321 ', style: 'meta' },
    { text: 'STARTTLS→TLS 1.3 ', style: 'tls' },
    { text: '漢字 ', style: 'server' },
    { text: 'closed', style: 'meta' },
  ];
  /** The row as Ink draws it in `width` columns, every piece a Text of its own. */
  const drawn = (segments: Segment[], width: number) => {
    const app = render(
      h(
        Box,
        { width },
        h(Text, { wrap: 'truncate-end' }, ...segments.map((s, i) => h(Text, { key: i }, s.text))),
      ),
    );
    const frame = app.lastFrame();
    app.unmount();
    return frame;
  };

  it('shows what Ink’s own cut shows, at every width', () => {
    for (let width = 1; width <= 80; width++)
      assert.equal(drawn(cutSegments(ROW, width), width), drawn(ROW, width), `width ${width}`);
  });

  it('leaves a row that fits as it is, and gives `…` the style of the last piece kept', () => {
    assert.equal(cutSegments(ROW, 80), ROW);
    assert.deepEqual(cutSegments(ROW, 15).slice(-1), [{ text: 's…', style: 'server' }]);
  });
});
