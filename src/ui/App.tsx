import { Box, Text, useApp, useInput, useStdout, type DOMElement, type Key } from 'ink';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ListenerStatus } from '../core/listener.js';
import { saveSession } from '../transcript/export.js';
import { Header, headerHeight, scenarioLabel, type ScenarioInfo } from './components/Header.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { LineView } from './components/LineView.js';
import { LogView } from './components/LogView.js';
import { DetailView } from './components/DetailView.js';
import { FindingsPane, findingsPaneHeight } from './components/FindingsPane.js';
import { MessageList } from './components/MessageList.js';
import { activeFilters, keysHint, StatusRow, viewTitle } from './chrome.js';
import {
  detailRows,
  MAIL_REFRESH_MS,
  MailList,
  originOf,
  type DetailRow,
  type MailOrigin,
  type MailSource,
  type StoredMail,
} from './mail.js';
import { ScenarioPicker, type ScenarioEntry } from './components/ScenarioPicker.js';
import { SessionList } from './components/SessionList.js';
import { chunkActions, type Action, type InputMode } from './keys.js';
import { windowRows, type LineFormat, type ScreenRow } from './layout.js';
import { measureTextsOnce } from './measure.js';
import type { TranscriptModel, UiFinding, UiLimits } from './model.js';
import { filterLines, lineMatches, visibleSessions, type LineList } from './select.js';
import {
  INITIAL_STATE,
  selectedSession,
  update,
  type StatusLine,
  type UiState,
  type ViewEnv,
} from './state.js';
import { colorsWanted, makeTheme } from './theme.js';
import { DEFAULT_FPS, useTranscript, type TranscriptSource } from './use-transcript.js';

export interface AppProps {
  source: TranscriptSource;
  /** Stored mail for the messages view (`m`); without it the view says there is none. */
  mail?: MailSource;
  listeners: ListenerStatus[];
  fingerprint: string;
  scenario?: ScenarioInfo | null;
  /** The sandbox's own log lines so far, and later ones. */
  messages?: StatusLine[];
  onMessage?: (fn: (m: StatusLine) => void) => () => void;
  /** Where `s` writes transcripts. */
  saveDir: string;
  /** A fixed size (tests); otherwise the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  /** Default: on unless NO_COLOR is set. */
  colors?: boolean;
  fps?: number;
  limits?: UiLimits;
  onQuit?: () => void;
  /** The scenario picker (`S`); without it the header shows `scenario` as given. */
  scenarios?: ScenarioControl;
}

export interface ScenarioControl {
  list(): ScenarioEntry[];
  current(): ScenarioInfo | null;
  /** Loads a shipped scenario by name and makes it the one new sessions get. */
  use(name: string): Promise<ScenarioInfo>;
}

/** Sandbox messages kept for the `m` view. */
const MAX_MESSAGES = 500;
const FOOTER_ROWS = 2;
const EMPTY: LineList = { length: 0, get: () => undefined as never };

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = useCallback(() => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }), [stdout]);
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed, read]);
  return fixed ?? size;
}

function inputMode(s: UiState): InputMode {
  return s.picker ? 'picker' : s.help ? 'help' : s.input.kind === 'search' ? 'search' : 'normal';
}

const NO_MESSAGES: StoredMail[] = [];
const NO_FINDINGS: UiFinding[] = [];

/** What the screen shows for a state: the filtered sessions, the lines and window of a line view (and
 *  its session's findings), the stored messages and the opened one's rows. */
function computeView(
  model: TranscriptModel,
  state: UiState,
  width: number,
  contentHeight: number,
  mail: MailList | null,
  detailOf: (m: StoredMail, raw: boolean) => DetailRow[],
) {
  const view = state.view;
  const wantsMail = view.kind === 'messages' || view.kind === 'message';
  const mailList = wantsMail && mail ? mail.current() : NO_MESSAGES;
  const opened = view.kind === 'message' ? mailList.find((m) => m.message.id === view.id) : undefined;
  const detail = opened && view.kind === 'message' ? detailOf(opened, view.raw) : [];
  const findings =
    view.kind === 'transcript' ? (model.sessions.get(view.sid)?.findings ?? NO_FINDINGS) : NO_FINDINGS;
  const lineHeight = Math.max(1, contentHeight - findingsPaneHeight(findings));
  const sessions = visibleSessions(
    model,
    state.filters,
    state.order,
    view.kind === 'sessions' ? state.query : '',
  );
  let lines: LineList | null = null;
  if (view.kind === 'transcript') {
    const row = model.sessions.get(view.sid);
    lines = row ? filterLines(row.lines, { ...state.filters, proto: null, listener: null }, false) : EMPTY;
  } else if (view.kind === 'all') {
    lines = filterLines(model.stream, state.filters, true);
  }
  const format: LineFormat = { millis: width >= 100, tagWidth: view.kind === 'all' ? 8 : 0 };
  const win = lines ? windowRows(lines, state.scroll, lineHeight, width, format) : null;
  return { sessions, lines, win, mailList, opened, detail, findings, lineHeight };
}

export function App(props: AppProps) {
  const size = useTerminalSize(props.size);
  const { model, frameStarted, frameDone } = useTranscript(
    props.source,
    props.fps ?? DEFAULT_FPS,
    props.limits,
  );
  // Ink writes the frame during React's commit, before layout effects run: this measures the whole frame.
  frameStarted();
  useLayoutEffect(frameDone);
  // Text nodes new in this frame measure themselves from the next one on (see measure.ts).
  const rootRef = useRef<DOMElement>(null);
  useLayoutEffect(() => measureTextsOnce(rootRef.current));
  const [state, setState] = useState<UiState>(INITIAL_STATE);
  const [messages, setMessages] = useState<StatusLine[]>(() => (props.messages ?? []).slice(-MAX_MESSAGES));
  const theme = useMemo(() => makeTheme(props.colors ?? colorsWanted()), [props.colors]);
  const { exit } = useApp();
  const { onMessage, onQuit, source, saveDir, scenarios } = props;
  const scenarioEntries = useMemo(() => scenarios?.list() ?? [], [scenarios]);
  const runningScenario = scenarios ? scenarios.current() : (props.scenario ?? null);

  useEffect(() => {
    if (!onMessage) return;
    return onMessage((m) => setMessages((all) => [...all.slice(-(MAX_MESSAGES - 1)), m]));
  }, [onMessage]);

  const mailSource = props.mail;
  const mailList = useMemo(() => (mailSource ? new MailList(mailSource) : null), [mailSource]);
  useEffect(() => () => mailList?.close(), [mailList]);
  // Mail that arrived within a second of the last rebuild shows at the next tick, not at the next key.
  const [, setMailTick] = useState(0);
  const showingMail = state.view.kind === 'messages' || state.view.kind === 'message';
  useEffect(() => {
    if (!showingMail || !mailList) return;
    const timer = setInterval(() => {
      if (mailList.stale) setMailTick((n) => n + 1);
    }, MAIL_REFRESH_MS);
    return () => clearInterval(timer);
  }, [showingMail, mailList]);
  // The opened message's rows, built once per message and mode (decoding happens here, on demand).
  const mailOrigin = useCallback(
    (mail: StoredMail): MailOrigin | null => originOf(mail, model.appended),
    [model],
  );
  const detailCache = useRef<{ message: StoredMail['message']; raw: boolean; rows: DetailRow[] } | null>(
    null,
  );
  const detailOf = useCallback(
    (mail: StoredMail, raw: boolean) => {
      const c = detailCache.current;
      if (c && c.message === mail.message && c.raw === raw) return c.rows;
      const rows = detailRows(mail, mailOrigin(mail), raw);
      detailCache.current = { message: mail.message, raw, rows };
      return rows;
    },
    [mailOrigin],
  );

  const { columns: width, rows: height } = size;
  const headerInfo = {
    listeners: props.listeners,
    counters: model.counters,
    scenario: runningScenario,
    fingerprint: props.fingerprint,
  };
  // One row is left free: Ink clears the whole terminal on every frame once its output fills the
  // screen, which flickers.
  const bodyHeight = Math.max(2, height - 1 - headerHeight(headerInfo, width) - FOOTER_ROWS);
  const contentHeight = bodyHeight - 1;

  const view = state.view;
  const computed = computeView(model, state, width, contentHeight, mailList, detailOf);
  const { sessions, lines, win } = computed;
  const envOf = (s: UiState): ViewEnv => {
    const v = s === state ? computed : computeView(model, s, width, contentHeight, mailList, detailOf);
    return {
      sessions: v.sessions,
      lines: v.lines,
      topIndex: v.win?.topIndex ?? 0,
      pageLines: v.lines ? v.lineHeight : contentHeight,
      messages: v.mailList,
      originOf: mailOrigin,
      detailRows: v.detail.length,
      findings: v.findings,
      listeners: props.listeners.map((l) => l.name),
      scenarioCount: scenarioEntries.length,
      currentScenario: scenarioEntries.findIndex((e) => e.name === runningScenario?.name),
    };
  };
  const envOfRef = useRef(envOf);
  envOfRef.current = envOf;
  // Keys can arrive faster than frames: each key sees the state the previous key left, not the last
  // rendered one (typing "/e" must not read "e" as the errors filter).
  const stateRef = useRef(state);
  stateRef.current = state;
  const apply = useCallback((change: (s: UiState) => UiState) => {
    const next = change(stateRef.current);
    stateRef.current = next;
    setState(next);
  }, []);

  const setStatus = useCallback((status: StatusLine) => apply((s) => ({ ...s, status })), [apply]);

  const save = useCallback(() => {
    const s = stateRef.current;
    const sid =
      s.view.kind === 'transcript'
        ? s.view.sid
        : s.view.kind === 'sessions'
          ? selectedSession(s, envOfRef.current(s))?.sid
          : undefined;
    if (!sid) return setStatus({ level: 'warn', text: 'select a session (Enter) to save it' });
    const events = source.history(sid);
    if (events.length === 0)
      return setStatus({ level: 'error', text: `${sid}: no events left in the transcript buffer` });
    saveSession(events, saveDir).then(
      (paths) => setStatus({ level: 'info', text: `saved ${sid}: ${paths.text} (+ .jsonl)` }),
      (err: Error) => setStatus({ level: 'error', text: `saving ${sid} failed: ${err.message}` }),
    );
  }, [source, saveDir, setStatus]);

  /** Applies one action; false once the app is quitting (the rest of a chunk is dropped). */
  const perform = useCallback(
    (action: Action): boolean => {
      const s = stateRef.current;
      switch (action.type) {
        case 'quit':
          onQuit?.();
          exit();
          return false;
        case 'save':
          save();
          return true;
        case 'picker-choose': {
          const entry = s.picker ? scenarioEntries[s.picker.index] : undefined;
          apply((current) => ({ ...current, picker: null }));
          if (!entry || !scenarios) return true;
          scenarios.use(entry.name).then(
            (now) => setStatus({ level: 'info', text: `scenario ${scenarioLabel(now)} for new sessions` }),
            (err: Error) => setStatus({ level: 'error', text: `scenario ${entry.name}: ${err.message}` }),
          );
          return true;
        }
        case 'clear-closed': {
          const n = model.clearClosed();
          setStatus({ level: 'info', text: `cleared ${n} closed session${n === 1 ? '' : 's'}` });
          return true;
        }
        default:
          apply((current) => update({ ...current, status: null }, action, envOfRef.current(current)));
          return true;
      }
    },
    [exit, onQuit, save, model, setStatus, scenarios, scenarioEntries, apply],
  );

  // One call can carry several keys (`kk`, `j\r`); each is read in the mode the one before left.
  const onKey = useCallback(
    (input: string, key: Key) => {
      for (const action of chunkActions(input, key, () => inputMode(stateRef.current))) {
        if (!perform(action)) return;
      }
    },
    [perform],
  );
  useInput(onKey);

  const isMatch = useCallback((row: ScreenRow) => lineMatches(row.line, state.query), [state.query]);

  let body: ReactNode;
  if (state.picker)
    body = (
      <ScenarioPicker
        entries={scenarioEntries}
        index={state.picker.index}
        current={runningScenario?.name ?? null}
        height={bodyHeight}
        theme={theme}
      />
    );
  else if (state.help) body = <HelpOverlay height={bodyHeight} theme={theme} />;
  else if (view.kind === 'sessions')
    body = (
      <SessionList
        rows={sessions}
        hiddenBy={model.sessions.size > 0 ? activeFilters(state.filters, state.query) : null}
        selectedSid={state.selected}
        height={contentHeight}
        width={width}
        theme={theme}
      />
    );
  else if (view.kind === 'log') body = <LogView messages={messages} height={contentHeight} theme={theme} />;
  else if (view.kind === 'messages') {
    const selected = Math.max(
      0,
      computed.mailList.findIndex((m) => m.message.id === state.selectedMessage),
    );
    body = mailList ? (
      <MessageList
        mail={mailList}
        messages={computed.mailList}
        originOf={mailOrigin}
        selected={selected}
        height={contentHeight}
        width={width}
        theme={theme}
      />
    ) : (
      <Text dimColor={theme.colors}>No mail store attached.</Text>
    );
  } else if (view.kind === 'message')
    body = computed.opened ? (
      <DetailView rows={computed.detail} top={view.top} height={contentHeight} theme={theme} />
    ) : (
      <Text dimColor={theme.colors}>{`Message ${view.id} is no longer in the store.`}</Text>
    );
  else
    body = (
      <>
        <Box flexDirection="column" height={computed.lineHeight}>
          <LineView
            rows={win?.rows ?? []}
            currentMatch={state.currentMatch}
            isMatch={isMatch}
            emptyText={state.filters.errorsOnly ? 'No errors.' : 'No lines yet.'}
            theme={theme}
          />
        </Box>
        <FindingsPane findings={computed.findings} current={state.finding} theme={theme} />
      </>
    );

  return (
    <Box ref={rootRef} flexDirection="column" width={width}>
      <Header info={headerInfo} width={width} theme={theme} />
      <Box flexDirection="column" height={bodyHeight}>
        {!state.help && !state.picker && (
          <Text wrap="truncate-end" bold color={theme.color('cyan')}>
            {viewTitle(state, model, sessions.length, lines, computed.mailList.length)}
          </Text>
        )}
        {body}
      </Box>
      <StatusRow state={state} last={messages.at(-1)} theme={theme} />
      <Text wrap="truncate-end" dimColor={theme.colors}>
        {keysHint(state, width)}
      </Text>
    </Box>
  );
}
