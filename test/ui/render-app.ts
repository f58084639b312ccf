import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { App, type AppProps } from '../../src/ui/App.js';
import { FINGERPRINT, LISTENERS } from './fixtures.js';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  enter: '\r',
  escape: '\x1b',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  backspace: '\x7f',
};

export interface RenderedApp {
  frame(): string;
  /** Frames drawn so far: one per React commit (ink-testing-library draws every commit). */
  renders(): number;
  /** Types keys one at a time (Ink reads a multi-char chunk as pasted text). */
  press(...keys: string[]): Promise<void>;
  /** Waits (bounded) until the screen satisfies `test`; fails with the last screen otherwise. */
  waitFor(test: (frame: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Changes the fake terminal's size and tells the app, as a real terminal does on SIGWINCH. */
  resize(columns: number, rows: number): void;
  unmount(): void;
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function renderApp(props: Partial<AppProps> & Pick<AppProps, 'source'>): RenderedApp {
  const app = render(
    createElement(App, {
      listeners: LISTENERS,
      fingerprint: FINGERPRINT,
      saveDir: '/nonexistent',
      size: { columns: 80, rows: 24 },
      colors: false,
      fps: 50,
      ...props,
    }),
  );
  const frame = () => (app.lastFrame() ?? '').replace(ANSI, '');
  return {
    frame,
    renders: () => app.frames.length,
    async press(...keys) {
      for (const k of keys) {
        app.stdin.write(k);
        await tick(15);
      }
    },
    async waitFor(test, what, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const f = frame();
        if (test(f)) return f;
        await tick(10);
      }
      throw new Error(`timed out waiting for ${what}; screen:\n${frame()}`);
    },
    resize(columns, rows) {
      Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
      app.stdout.emit('resize');
    },
    unmount: () => app.unmount(),
  };
}
