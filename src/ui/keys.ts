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
  ['m', "the sandbox's own messages (warnings, bind failures)"],
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
  switch (input) {
    case 'q':
      return { type: 'quit' };
    case '?':
      return { type: 'toggle-help' };
    case 'j':
      return { type: 'move', delta: 1 };
    case 'k':
      return { type: 'move', delta: -1 };
    case 'g':
      return { type: 'home' };
    case 'G':
    case 'f':
      return { type: 'end' };
    case 'a':
      return { type: 'show-all' };
    case 'm':
      return { type: 'show-log' };
    case 'o':
      return { type: 'toggle-order' };
    case 'p':
      return { type: 'cycle-proto' };
    case 'l':
      return { type: 'cycle-listener' };
    case 'e':
      return { type: 'toggle-errors' };
    case '/':
      return { type: 'search-start' };
    case 'n':
      return { type: 'search-next', dir: 1 };
    case 'N':
      return { type: 'search-next', dir: -1 };
    case 's':
      return { type: 'save' };
    case 'c':
      return { type: 'clear-closed' };
    case 'S':
      return { type: 'open-picker' };
    default:
      return null;
  }
}
