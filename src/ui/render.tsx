import type { Sandbox } from '../sandbox.js';
import { listShippedScenarios, loadScenario } from '../scenario/load.js';
import type { ScenarioControl } from './App.js';
import type { ScenarioInfo } from './components/Header.js';
import type { MailSource } from './mail.js';

export interface TuiOptions {
  /** Where `s` saves transcripts (the --record dir, or ./transcripts). */
  saveDir: string;
  /** Lines the sandbox itself logged before/while the UI runs (bind failures, warnings, cert info). */
  messages: { level: 'info' | 'warn' | 'error'; text: string }[];
  /** Subscribe to later sandbox log lines (returns unsubscribe). */
  onMessage?: (fn: (m: { level: 'info' | 'warn' | 'error'; text: string }) => void) => () => void;
  scenario?: ScenarioInfo | null;
}

// The alternate screen keeps the user's scrollback intact and is restored on exit, like less or top.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/** The messages view's view of the store: every message of every folder (SMTP, IMAP APPEND, seeded). */
export function mailSource(sandbox: Sandbox): MailSource {
  return { messages: () => sandbox.store.everything(), onChange: (fn) => sandbox.store.onChange(fn) };
}

/** The picker's view of the sandbox: the shipped scenarios, the running one, switching by name. */
export function scenarioControl(sandbox: Sandbox): ScenarioControl {
  return {
    list: () => listShippedScenarios(),
    current: () => sandbox.scenario,
    use: async (name) => {
      sandbox.useScenario(await loadScenario(name));
      return sandbox.scenario ?? { name };
    },
  };
}

/** Renders until the user quits (q / Ctrl-C); restores the terminal; resolves then. */
export async function runTui(sandbox: Sandbox, options: TuiOptions): Promise<void> {
  // React's development build costs about 7× the CPU per frame (measured by bench/ui.ts: 11 vs 75
  // messages/s with the UI drawing). React, its JSX runtime and Ink's reconciler each pick their build
  // when first loaded, so nothing React-related may be imported before this line — which is why this
  // file has no JSX (that would import react/jsx-runtime at the top) and imports everything late.
  process.env.NODE_ENV ??= 'production';
  const [{ createElement }, { render }, { App }, { DEFAULT_FPS }] = await Promise.all([
    import('react'),
    import('ink'),
    import('./App.js'),
    import('./use-transcript.js'),
  ]);
  const stdout = process.stdout;
  const useAltScreen = stdout.isTTY;
  if (useAltScreen) stdout.write(ENTER_ALT_SCREEN);
  const instance = render(
    createElement(App, {
      source: sandbox.transcript,
      mail: mailSource(sandbox),
      listeners: sandbox.listeners,
      fingerprint: sandbox.certificate.fingerprint256,
      scenario: options.scenario ?? null,
      messages: options.messages,
      onMessage: options.onMessage,
      saveDir: options.saveDir,
      scenarios: scenarioControl(sandbox),
    }),
    {
      stdout,
      // Ctrl-C arrives as a key in raw mode; the App treats it like q so quitting is one path.
      exitOnCtrlC: false,
      // A stray console.log from a dependency would tear the screen; Ink prints it above the frame.
      patchConsole: true,
      // The App already paces frames (DEFAULT_FPS, slower when drawing is costly); Ink's own cap sits
      // above it so it never holds a frame back on top of that (measured: +100 ms median lag).
      maxFps: DEFAULT_FPS * 3,
    },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    if (useAltScreen) stdout.write(LEAVE_ALT_SCREEN);
  }
}
