import type { MailOrigin, StoredMail } from './mail.js';
import type { Proto } from '../transcript/events.js';
import type { Action } from './keys.js';
import type { Scroll } from './layout.js';
import type { SessionRow, UiFinding } from './model.js';
import { findMatch, indexOfSeq, NO_FILTERS, type Filters, type LineList, type Order } from './select.js';

export type View =
  | { kind: 'sessions' }
  /** `back`: where Esc returns (the message whose session this is), else the sessions list. */
  | { kind: 'transcript'; sid: string; back?: View }
  | { kind: 'all' }
  | { kind: 'log' }
  | { kind: 'messages' }
  /** One stored message: headers, MIME tree and text, or its raw bytes; `top` is the first row shown. */
  | { kind: 'message'; id: string; raw: boolean; top: number };

export type InputState = { kind: 'normal' } | { kind: 'search'; draft: string };

export interface StatusLine {
  level: 'info' | 'warn' | 'error';
  text: string;
}

export interface UiState {
  view: View;
  scroll: Scroll;
  input: InputState;
  help: boolean;
  /** The highlighted session in the list, by id so it stays put while rows arrive. */
  selected: string | null;
  order: Order;
  filters: Filters;
  query: string;
  /** The sessions list's own search, put aside while a line view has its own (restored on return). */
  listQuery: string;
  /** The match n/N last jumped to, by seq. */
  currentMatch: number | null;
  status: StatusLine | null;
  /** The scenario picker, when open: the highlighted entry. */
  picker: { index: number } | null;
  /** The highlighted message in the messages view, by id (new mail arrives on top). */
  selectedMessage: string | null;
  /** The finding F last jumped to, by the seq of the line it points at. */
  finding: number | null;
}

export const INITIAL_STATE: UiState = {
  view: { kind: 'sessions' },
  scroll: { kind: 'follow' },
  input: { kind: 'normal' },
  help: false,
  selected: null,
  order: 'newest',
  filters: NO_FILTERS,
  query: '',
  listQuery: '',
  currentMatch: null,
  status: null,
  picker: null,
  selectedMessage: null,
  finding: null,
};

/** What the current screen shows, needed to apply an action. */
export interface ViewEnv {
  sessions: SessionRow[];
  /** Lines of the current line view (transcript or all), after filters; null in the list. */
  lines: LineList | null;
  /** Index of the first line on screen (for paging from follow mode). */
  topIndex: number;
  /** Lines that fit a page (body height). */
  pageLines: number;
  listeners: string[];
  /** Entries of the scenario picker, and the running one's position (-1: none). */
  scenarioCount: number;
  currentScenario: number;
  /** Stored messages, newest first (the messages view). */
  messages: readonly StoredMail[];
  /** The session a message came in by (SMTP or IMAP APPEND); null for seeded mail. */
  originOf(mail: StoredMail): MailOrigin | null;
  /** Rows of the opened message (message view). */
  detailRows: number;
  /** Findings of the open transcript's session. */
  findings: readonly UiFinding[];
}

const PROTOS: (Proto | null)[] = [null, 'smtp', 'imap', 'pop3'];

function cycle<T>(values: T[], current: T): T {
  return values[(values.indexOf(current) + 1) % values.length]!;
}

function selectedIndex(state: UiState, env: ViewEnv): number {
  const i = env.sessions.findIndex((r) => r.sid === state.selected);
  return i < 0 ? 0 : i;
}

/** The session the list highlights (the first row when the selection is gone). */
export function selectedSession(state: UiState, env: Pick<ViewEnv, 'sessions'>): SessionRow | null {
  return env.sessions.find((r) => r.sid === state.selected) ?? env.sessions[0] ?? null;
}

function browseAt(lines: LineList, index: number): Scroll {
  if (lines.length === 0) return { kind: 'follow' };
  const i = Math.max(0, Math.min(index, lines.length - 1));
  return { kind: 'browse', topSeq: lines.get(i).seq };
}

function currentTop(state: UiState, lines: LineList, env: ViewEnv): number {
  return state.scroll.kind === 'browse' ? indexOfSeq(lines, state.scroll.topSeq) : env.topIndex;
}

/** Scrolling a line view: PgUp/PgDn by a page, ↑↓ by a line; reaching the end resumes following. */
function scrollBy(state: UiState, env: ViewEnv, lines: LineList, delta: number): UiState {
  const top = currentTop(state, lines, env) + delta;
  const lastTop = Math.max(0, lines.length - env.pageLines);
  if (delta > 0 && top >= lastTop) return { ...state, scroll: { kind: 'follow' } };
  return { ...state, scroll: browseAt(lines, top) };
}

function jumpToMatch(state: UiState, env: ViewEnv, dir: 1 | -1): UiState {
  const lines = env.lines;
  if (!state.query) return { ...state, status: { level: 'info', text: 'no search: press / to search' } };
  if (!lines) return state;
  let from: number;
  // From the last match; else from the screen's top when browsing; else (following) from the start,
  // since the first failure of a session is usually the one that matters.
  if (state.currentMatch !== null) from = indexOfSeq(lines, state.currentMatch);
  else if (dir === -1) from = lines.length;
  else if (state.scroll.kind === 'browse') from = currentTop(state, lines, env) - 1;
  else from = -1;
  const hit = findMatch(lines, state.query, from, dir);
  if (hit === null) return { ...state, status: { level: 'warn', text: `no match for "${state.query}"` } };
  // Two lines of context above the match, so the command before a reply stays visible.
  return {
    ...state,
    currentMatch: lines.get(hit).seq,
    scroll: browseAt(lines, hit - 2),
    status: null,
  };
}

function enterView(state: UiState, view: View): UiState {
  // A search belongs to the view it was made in: a transcript's ends when the transcript is left (it
  // must not filter the list unseen), and the list gets back the search it had.
  const listQuery = state.view.kind === 'sessions' ? state.query : state.listQuery;
  const query = view.kind === 'sessions' ? listQuery : '';
  return { ...state, view, query, listQuery, scroll: { kind: 'follow' }, currentMatch: null, finding: null };
}

function messageIndex(state: UiState, env: ViewEnv): number {
  const i =
    state.selectedMessage === null
      ? -1
      : env.messages.findIndex((m) => m.message.id === state.selectedMessage);
  return i < 0 ? 0 : i;
}

/** Keys in the messages list and in an opened message; null when the view is another one. */
function messageUpdate(state: UiState, action: Action, env: ViewEnv): UiState | null {
  const view = state.view;
  if (view.kind === 'message') {
    const last = Math.max(0, env.detailRows - env.pageLines);
    const to = (top: number) => ({ ...state, view: { ...view, top: Math.max(0, Math.min(last, top)) } });
    switch (action.type) {
      case 'move':
        return to(view.top + action.delta);
      case 'page':
        return to(view.top + action.dir * Math.max(1, env.pageLines - 1));
      case 'home':
        return to(0);
      case 'end':
        return to(last);
      case 'toggle-raw':
        return { ...state, view: { ...view, raw: !view.raw, top: 0 } };
      case 'back':
        return enterView(state, { kind: 'messages' });
      default:
        return null;
    }
  }
  if (view.kind !== 'messages') return null;
  const select = (i: number) => {
    const m = env.messages[Math.max(0, Math.min(env.messages.length - 1, i))]?.message;
    return m ? { ...state, selectedMessage: m.id } : state;
  };
  switch (action.type) {
    case 'move':
      return select(messageIndex(state, env) + action.delta);
    case 'page':
      return select(messageIndex(state, env) + action.dir * Math.max(1, env.pageLines - 1));
    case 'home':
      return select(0);
    case 'end':
      return select(env.messages.length - 1);
    case 'open': {
      const m = env.messages[messageIndex(state, env)]?.message;
      return m
        ? enterView({ ...state, selectedMessage: m.id }, { kind: 'message', id: m.id, raw: false, top: 0 })
        : state;
    }
    case 'toggle-raw': {
      const m = env.messages[messageIndex(state, env)]?.message;
      return m
        ? enterView({ ...state, selectedMessage: m.id }, { kind: 'message', id: m.id, raw: true, top: 0 })
        : state;
    }
    case 'back':
      return enterView(state, { kind: 'sessions' });
    default:
      return null;
  }
}

/** t: from a message (or the list's highlighted one) to the transcript of the session that delivered
 *  (or APPENDed) it. */
function jumpToTranscript(state: UiState, env: ViewEnv): UiState {
  const view = state.view;
  const id =
    view.kind === 'message'
      ? view.id
      : view.kind === 'messages'
        ? (state.selectedMessage ?? env.messages[0]?.message.id)
        : undefined;
  if (id === undefined)
    return { ...state, status: { level: 'info', text: 't opens the session of a message: press m' } };
  const mail = env.messages.find((m) => m.message.id === id);
  const sid = mail && env.originOf(mail)?.sid;
  if (!sid)
    return {
      ...state,
      status: { level: 'warn', text: `message ${id} has no delivering session (seeded, or an IMAP COPY)` },
    };
  return enterView({ ...state, selected: sid }, { kind: 'transcript', sid, back: view });
}

/** F: the next finding of the open transcript, scrolled to (two lines of context) and highlighted. */
function nextFinding(state: UiState, env: ViewEnv): UiState {
  if (state.view.kind !== 'transcript' || !env.lines) return state;
  if (!env.findings.length)
    return { ...state, status: { level: 'info', text: 'no findings in this session' } };
  const i = state.finding === null ? -1 : env.findings.findIndex((f) => f.at === state.finding);
  const f = env.findings[(i + 1) % env.findings.length]!;
  return {
    ...state,
    finding: f.at,
    currentMatch: f.at,
    scroll: browseAt(env.lines, indexOfSeq(env.lines, f.at) - 2),
  };
}

/** The pure part of key handling; quitting, saving and clearing are done by the App. */
export function update(state: UiState, action: Action, env: ViewEnv): UiState {
  if (!state.picker && !state.help) {
    const handled = messageUpdate(state, action, env);
    if (handled) return handled;
  }
  switch (action.type) {
    case 'toggle-help':
      return { ...state, help: !state.help };
    case 'close-help':
      return { ...state, help: false };
    case 'move': {
      if (state.picker) {
        const index = Math.max(0, Math.min(env.scenarioCount - 1, state.picker.index + action.delta));
        return { ...state, picker: { index } };
      }
      if (env.lines) return scrollBy(state, env, env.lines, action.delta);
      if (state.view.kind !== 'sessions' || env.sessions.length === 0) return state;
      const i = Math.max(0, Math.min(env.sessions.length - 1, selectedIndex(state, env) + action.delta));
      return { ...state, selected: env.sessions[i]!.sid };
    }
    case 'page':
      if (env.lines) return scrollBy(state, env, env.lines, action.dir * Math.max(1, env.pageLines - 1));
      return update(state, { type: 'move', delta: action.dir * Math.max(1, env.pageLines - 1) }, env);
    case 'home':
      if (env.lines) return { ...state, scroll: browseAt(env.lines, 0) };
      return env.sessions[0] ? { ...state, selected: env.sessions[0].sid } : state;
    case 'end':
      if (env.lines) return { ...state, scroll: { kind: 'follow' }, currentMatch: null };
      return env.sessions.length ? { ...state, selected: env.sessions.at(-1)!.sid } : state;
    case 'open': {
      if (state.view.kind !== 'sessions') return state;
      const row = selectedSession(state, env);
      return row ? enterView({ ...state, selected: row.sid }, { kind: 'transcript', sid: row.sid }) : state;
    }
    case 'back':
      if (state.view.kind === 'sessions') return state.query ? { ...state, query: '' } : state;
      if (state.view.kind === 'transcript' && state.view.back) return enterView(state, state.view.back);
      return enterView(state, { kind: 'sessions' });
    case 'show-messages':
      return enterView(state, state.view.kind === 'messages' ? { kind: 'sessions' } : { kind: 'messages' });
    case 'jump-transcript':
      return jumpToTranscript(state, env);
    case 'next-finding':
      return nextFinding(state, env);
    case 'toggle-raw':
      return state;
    case 'show-all':
      return enterView(state, state.view.kind === 'all' ? { kind: 'sessions' } : { kind: 'all' });
    case 'show-log':
      return enterView(state, state.view.kind === 'log' ? { kind: 'sessions' } : { kind: 'log' });
    case 'toggle-order':
      return { ...state, order: state.order === 'newest' ? 'oldest' : 'newest' };
    case 'cycle-proto':
      return {
        ...state,
        filters: { ...state.filters, proto: cycle(PROTOS, state.filters.proto) },
        scroll: { kind: 'follow' },
      };
    case 'cycle-listener':
      return {
        ...state,
        filters: { ...state.filters, listener: cycle([null, ...env.listeners], state.filters.listener) },
        scroll: { kind: 'follow' },
      };
    case 'toggle-errors':
      return {
        ...state,
        filters: { ...state.filters, errorsOnly: !state.filters.errorsOnly },
        scroll: { kind: 'follow' },
      };
    case 'search-start':
      return { ...state, input: { kind: 'search', draft: '' } };
    case 'search-type':
      return state.input.kind === 'search'
        ? { ...state, input: { kind: 'search', draft: state.input.draft + action.text } }
        : state;
    case 'search-erase':
      return state.input.kind === 'search'
        ? { ...state, input: { kind: 'search', draft: state.input.draft.slice(0, -1) } }
        : state;
    case 'search-cancel':
      return { ...state, input: { kind: 'normal' } };
    case 'search-commit': {
      if (state.input.kind !== 'search') return state;
      const next: UiState = {
        ...state,
        input: { kind: 'normal' },
        query: state.input.draft,
        currentMatch: null,
      };
      // In a line view the first match is shown at once; in the list the query filters rows.
      return next.query && env.lines ? jumpToMatch(next, env, 1) : next;
    }
    case 'search-next':
      return jumpToMatch(state, env, action.dir);
    case 'open-picker':
      if (env.scenarioCount === 0)
        return { ...state, status: { level: 'warn', text: 'no scenarios to pick from' } };
      return { ...state, help: false, picker: { index: Math.max(0, env.currentScenario) } };
    case 'picker-cancel':
      return { ...state, picker: null };
    case 'quit':
    case 'save':
    case 'clear-closed':
    case 'picker-choose':
      return state;
  }
}
