import type { Key } from 'ink';

/** Everything a key can ask for. Pure data, so key handling is tested without a terminal. */
export type Action =
  | { type: 'quit' }
  | { type: 'toggle-help' }
  | { type: 'close-help' }
  | { type: 'move'; delta: number }
  | { type: 'page'; dir: 1 | -1 }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'open' }
  | { type: 'back' }
  | { type: 'show-all' }
  | { type: 'show-log' }
  | { type: 'show-messages' }
  | { type: 'toggle-raw' }
  | { type: 'jump-transcript' }
  | { type: 'next-finding' }
  | { type: 'toggle-order' }
  | { type: 'cycle-proto' }
  | { type: 'cycle-listener' }
  | { type: 'toggle-errors' }
  | { type: 'search-start' }
  | { type: 'search-type'; text: string }
  | { type: 'search-erase' }
  | { type: 'search-commit' }
  | { type: 'search-cancel' }
  | { type: 'search-next'; dir: 1 | -1 }
  | { type: 'save' }
  | { type: 'clear-closed' }
  | { type: 'open-picker' }
  | { type: 'picker-choose' }
  | { type: 'picker-cancel' };

export type InputMode = 'normal' | 'search' | 'help' | 'picker';

/** Every key, for the help overlay (and the README). */
export const KEY_HELP: [string, string][] = [
  ['q  Ctrl-C', 'quit'],
  ['?', 'this help'],
  ['↑ ↓  j k', 'move the selection / scroll one line'],
  ['Enter', 'open the selected session'],
  ['Esc  ←  Backspace', 'back to the sessions list'],
  ['a', 'all sessions, interleaved, live'],
  ['m', 'stored messages (Enter: headers, MIME tree, text)'],
  ['r / t', 'a message raw / the transcript of the session that sent it (Esc back)'],
  ['F', 'next finding of the session (what the client did wrong)'],
  ['L', "the sandbox's own log (warnings, bind failures)"],
  ['PgUp PgDn', 'scroll a page (browse mode)'],
  ['Home g / End G f', 'first line / newest line (follow mode)'],
  ['o', 'newest first / oldest first'],
  ['p', 'filter by protocol (all, smtp, imap, pop3)'],
  ['l', 'filter by listener'],
  ['e', 'errors only'],
  ['/', 'search (Enter to keep, Esc to drop)'],
  ['n N', 'next / previous match'],
  ['s', 'save the session (text + JSONL)'],
  ['c', 'clear closed sessions'],
  ['S', 'pick the scenario for new sessions'],
];

function isCtrlC(input: string, key: Key): boolean {
  return (key.ctrl && input === 'c') || input === '\x03';
}

/** A key with no flag set: what Ink reports for a plain character. */
export const PLAIN_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const NAMED: (keyof Key)[] = [
  'upArrow',
  'downArrow',
  'leftArrow',
  'rightArrow',
  'pageDown',
  'pageUp',
  'home',
  'end',
  'return',
  'escape',
  'tab',
  'backspace',
  'delete',
];

/** One character of a chunk as Ink reports it when it arrives alone (Ink's parse-keypress). */
function charKey(ch: string): { input: string; key: Key } {
  const code = ch.codePointAt(0)!;
  if (ch === '\r') return { input: '', key: { ...PLAIN_KEY, return: true } };
  if (ch === '\t') return { input: '', key: { ...PLAIN_KEY, tab: true } };
  if (ch === '\x7f') return { input: '', key: { ...PLAIN_KEY, delete: true } };
  if (ch === '\b') return { input: '', key: { ...PLAIN_KEY, backspace: true } };
  if (ch === '\x1b') return { input: '', key: { ...PLAIN_KEY, escape: true, meta: true } };
  // Ctrl-A … Ctrl-Z arrive as 0x01–0x1a; Ink names them by their letter.
  if (code >= 1 && code <= 26)
    return { input: String.fromCharCode(code + 96), key: { ...PLAIN_KEY, ctrl: true } };
  // Other controls (LF, NUL, …) are no key here, as with Ink.
  if (code < 0x20) return { input: '', key: PLAIN_KEY };
  return { input: ch, key: { ...PLAIN_KEY, shift: /[A-Z]/.test(ch) } };
}

function isText(ch: string): boolean {
  return !/[\x00-\x1f\x7f]/.test(ch);
}

/**
 * The actions of one `useInput` call, in order. Ink hands over a run of plain characters that arrived
 * together as one string (`kk`, `j\r`: tmux send-keys with several keys, a fast typist, a paste);
 * escape sequences (arrows, PgUp) already come one per call, and `ESC x` comes as `x` with `meta`.
 * Each character is a key of its own, read in the mode the previous one left (`mode()` is asked
 * again after the caller applied each action: `/foo\rn` searches, then jumps to the next match),
 * except that a run of text typed into the search prompt stays one piece of text.
 */
export function* chunkActions(input: string, key: Key, mode: () => InputMode): Generator<Action> {
  const chars = [...input];
  const named = NAMED.some((k) => key[k]);
  // Alt-x is ESC then x to a terminal; no key here uses Alt, so it is read as Esc followed by x
  // (`tmux send-keys Escape a` arrives that way).
  if (key.meta && !key.ctrl && !named && chars.length > 0) {
    const esc = keyToAction('', { ...PLAIN_KEY, escape: true, meta: true }, mode());
    if (esc) yield esc;
  } else if (chars.length <= 1 || key.ctrl || named) {
    const action = keyToAction(input, key, mode());
    if (action) yield action;
    return;
  }
  for (let i = 0; i < chars.length;) {
    const m = mode();
    if (m === 'search' && isText(chars[i]!)) {
      let end = i + 1;
      while (end < chars.length && isText(chars[end]!)) end++;
      yield { type: 'search-type', text: chars.slice(i, end).join('') };
      i = end;
      continue;
    }
    const one = charKey(chars[i]!);
    const action = keyToAction(one.input, one.key, m);
    if (action) yield action;
    i++;
  }
}

/** What a plain character does in the normal mode: one row per key (KEY_HELP describes them). */
const CHARACTER_ACTIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['q', { type: 'quit' }],
  ['?', { type: 'toggle-help' }],
  ['j', { type: 'move', delta: 1 }],
  ['k', { type: 'move', delta: -1 }],
  ['g', { type: 'home' }],
  ['G', { type: 'end' }],
  ['f', { type: 'end' }],
  ['a', { type: 'show-all' }],
  ['m', { type: 'show-messages' }],
  ['L', { type: 'show-log' }],
  ['r', { type: 'toggle-raw' }],
  ['t', { type: 'jump-transcript' }],
  ['F', { type: 'next-finding' }],
  ['o', { type: 'toggle-order' }],
  ['p', { type: 'cycle-proto' }],
  ['l', { type: 'cycle-listener' }],
  ['e', { type: 'toggle-errors' }],
  ['/', { type: 'search-start' }],
  ['n', { type: 'search-next', dir: 1 }],
  ['N', { type: 'search-next', dir: -1 }],
  ['s', { type: 'save' }],
  ['c', { type: 'clear-closed' }],
  ['S', { type: 'open-picker' }],
]);

export function keyToAction(input: string, key: Key, mode: InputMode): Action | null {
  if (isCtrlC(input, key)) return { type: 'quit' };
  if (mode === 'search') {
    if (key.return) return { type: 'search-commit' };
    if (key.escape) return { type: 'search-cancel' };
    // Terminals send DEL (0x7f) for Backspace; Ink reports it as `delete` or `backspace`.
    if (key.backspace || key.delete) return { type: 'search-erase' };
    if (key.ctrl || key.meta || !input) return null;
    return { type: 'search-type', text: input.replace(/[\x00-\x1f\x7f]/g, '') };
  }
  if (mode === 'picker') {
    if (key.upArrow || input === 'k') return { type: 'move', delta: -1 };
    if (key.downArrow || input === 'j') return { type: 'move', delta: 1 };
    if (key.return) return { type: 'picker-choose' };
    if (key.escape || input === 'q' || input === 'S') return { type: 'picker-cancel' };
    return null;
  }
  if (mode === 'help') {
    if (input === 'q') return { type: 'quit' };
    return { type: 'close-help' };
  }
  if (key.upArrow) return { type: 'move', delta: -1 };
  if (key.downArrow) return { type: 'move', delta: 1 };
  if (key.pageUp) return { type: 'page', dir: -1 };
  if (key.pageDown) return { type: 'page', dir: 1 };
  if (key.home) return { type: 'home' };
  if (key.end) return { type: 'end' };
  if (key.return) return { type: 'open' };
  if (key.escape || key.leftArrow || key.backspace || key.delete) return { type: 'back' };
  if (key.rightArrow) return { type: 'open' };
  return CHARACTER_ACTIONS.get(input) ?? null;
}
