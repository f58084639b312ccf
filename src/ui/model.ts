import type { FindingSeverity, Proto, TranscriptEvent } from '../transcript/events.js';
import { storedText } from '../transcript/export.js';
import { readServerLine, type ReplyStatus } from './classify.js';
import { Ring } from './ring.js';

/**
 * What the terminal UI keeps in memory. The bus already holds its own ring; the UI keeps a second,
 * smaller one shaped for display, so memory stays flat on a sandbox left open all day under load.
 */
export interface UiLimits {
  /** Lines kept per session. A client stuck in a loop on one connection (a NOOP every millisecond)
   *  cannot push every other session out; older lines of that session are dropped first. */
  linesPerSession: number;
  /** Lines kept across all sessions together. Many short sessions (a load test) cannot grow memory
   *  without end; the oldest lines — of closed sessions first — are dropped. */
  totalLines: number;
  /** Lines kept in the all-sessions interleaved stream. */
  streamLines: number;
  /** Session rows kept in the list; the oldest closed rows go first. */
  sessions: number;
}

export const DEFAULT_UI_LIMITS: UiLimits = {
  linesPerSession: 5_000,
  totalLines: 50_000,
  streamLines: 10_000,
  sessions: 1_000,
};

/** What a transcript line is, for its marker and colour. */
export type LineKind =
  'client' | 'server' | 'tls' | 'auth' | 'stored' | 'scenario' | 'note' | 'open' | 'close' | 'finding';

/** A finding about a session (src/report/), as the findings pane lists it. */
export interface UiFinding {
  id: string;
  severity: FindingSeverity;
  message: string;
  /** The line of the session's transcript it points at (1-based, as in the saved files). */
  line: number;
  /** That line's seq, to scroll to it. */
  at: number;
}

/** Findings kept per session row (the rules already say each thing a bounded number of times). */
const MAX_FINDINGS = 50;

/** The session that APPENDed a message over IMAP, as it was then (the messages view shows it). */
export interface AppendedBy {
  sid: string;
  listener: string;
  /** As the session list shows it: `plain`, `TLSv1.3`, `STARTTLS→TLSv1.3`. */
  tls: string;
  user: string | null;
}

/** APPENDs remembered by message id: as many as the messages view may list (oldest forgotten first). */
const MAX_APPENDS = 100_000;

export interface UiLine {
  seq: number;
  time: number;
  sid: string;
  proto: Proto;
  listener: string;
  kind: LineKind;
  text: string;
  /** The human reading of a base64 AUTH payload or challenge, shown beside the line. */
  decoded?: string;
  status: ReplyStatus;
}

export type SessionState = 'open' | 'closed';

export interface SessionRow {
  sid: string;
  proto: Proto;
  listener: string;
  client: string;
  /** `plain`, `TLSv1.3` (implicit) or `STARTTLS→TLSv1.3`; `✗TLS` / `STARTTLS→✗` when the handshake failed. */
  tls: string;
  user: string | null;
  state: SessionState;
  /** Every line the session ever had, including dropped ones. */
  lineCount: number;
  lines: Ring<UiLine>;
  lastReply: string | null;
  /** Scenario rules that fired in this session. */
  scenarioActions: number;
  /** Failure replies, rejected AUTHs and warnings. */
  errors: number;
  /** What the client did wrong or risky, oldest first. */
  findings: UiFinding[];
  openedAt: number;
  /** Position in arrival order; the list sorts on it. */
  order: number;
}

export interface Counters {
  sessionsOpen: number;
  sessionsTotal: number;
  messagesStored: number;
  authOk: number;
  authFailed: number;
}

export interface ModelStats {
  sessions: number;
  /** Lines held by session rows, all together. */
  sessionLines: number;
  /** Lines held by the all-sessions stream (mostly the same objects as the sessions hold). */
  streamLines: number;
  /** The largest number of lines one session holds. */
  largestSession: number;
}

/**
 * Turns bus events into session rows and display lines, bounded by `UiLimits`. Mutated in place
 * (cheap per event); `version` tells React when something changed.
 */
export class TranscriptModel {
  readonly sessions = new Map<string, SessionRow>();
  readonly stream: Ring<UiLine>;
  readonly counters: Counters = {
    sessionsOpen: 0,
    sessionsTotal: 0,
    messagesStored: 0,
    authOk: 0,
    authFailed: 0,
  };
  /** IMAP APPENDs by message id (SMTP mail carries its own envelope in the store). */
  readonly appended = new Map<string, AppendedBy>();
  version = 0;
  private lastSeq = 0;
  private nextOrder = 0;
  private totalLines = 0;

  constructor(readonly limits: UiLimits = DEFAULT_UI_LIMITS) {
    this.stream = new Ring(limits.streamLines);
  }

  ingestAll(events: Iterable<TranscriptEvent>): void {
    for (const e of events) this.ingest(e);
  }

  ingest(event: TranscriptEvent): void {
    // History and live events can overlap right after subscribing; seq is strictly increasing.
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    this.version++;
    // Counters follow the events, not the retained rows, so evicting a row never changes them.
    if (event.type === 'session-open') {
      this.counters.sessionsTotal++;
      this.counters.sessionsOpen++;
    } else if (event.type === 'session-close') {
      this.counters.sessionsOpen = Math.max(0, this.counters.sessionsOpen - 1);
      // A close for a row that is gone (evicted, cleared) has nothing left to show.
      if (!this.sessions.has(event.sid)) return;
    }
    const row = this.rowFor(event);
    switch (event.type) {
      case 'session-open':
        this.addLine(row, event, 'open', `${event.listener} port ${event.localPort} (${event.tls})`);
        return;
      case 'client-line':
        this.addLine(row, event, 'client', event.line, 'neutral', event.decoded);
        return;
      case 'server-line': {
        const reading = readServerLine(event.proto, event.line);
        if (reading.code) row.lastReply = reading.code;
        if (reading.status === 'fail') row.errors++;
        this.addLine(row, event, 'server', event.line, reading.status, event.decoded);
        return;
      }
      case 'tls-upgraded':
        // POP3's upgrade command is STLS (RFC 2595 §4).
        row.tls =
          event.how === 'starttls'
            ? `${event.proto === 'pop3' ? 'STLS' : 'STARTTLS'}→${event.protocol}`
            : event.protocol;
        this.addLine(
          row,
          event,
          'tls',
          `TLS ${event.how === 'starttls' ? `upgraded (${event.proto === 'pop3' ? 'STLS' : 'STARTTLS'})` : 'established'}: ${event.protocol} ${event.cipher}`,
        );
        return;
      case 'auth':
        if (event.ok) {
          row.user = event.username;
          this.counters.authOk++;
        } else {
          row.errors++;
          this.counters.authFailed++;
        }
        this.addLine(
          row,
          event,
          'auth',
          `AUTH ${event.mechanism} user ${JSON.stringify(event.username)} ${event.ok ? 'accepted' : 'rejected'}`,
          event.ok ? 'ok' : 'fail',
        );
        return;
      case 'message-stored':
        this.counters.messagesStored++;
        if (event.folder !== undefined) {
          this.appended.set(event.id, { sid: row.sid, listener: row.listener, tls: row.tls, user: row.user });
          if (this.appended.size > MAX_APPENDS) this.appended.delete(this.appended.keys().next().value!);
        }
        this.addLine(row, event, 'stored', storedText(event), 'ok');
        return;
      case 'scenario-action':
        row.scenarioActions++;
        this.addLine(row, event, 'scenario', `scenario rule ${event.rule}: ${event.action}`);
        return;
      case 'note':
        if (event.level !== 'info') row.errors++;
        // The core's only word on a failed handshake (src/core/listener.ts, session.ts).
        if (event.text.startsWith('TLS handshake failed'))
          row.tls = row.tls === 'TLS' ? '✗TLS' : `${event.proto === 'pop3' ? 'STLS' : 'STARTTLS'}→✗`;
        this.addLine(
          row,
          event,
          'note',
          `${event.level}: ${event.text}`,
          event.level === 'info' ? 'neutral' : 'fail',
        );
        return;
      case 'finding':
        if (row.findings.length < MAX_FINDINGS)
          row.findings.push({
            id: event.id,
            severity: event.severity,
            message: event.message,
            line: event.line,
            at: event.at,
          });
        this.addLine(
          row,
          event,
          'finding',
          `${event.severity} ${event.id} (line ${event.line}): ${event.message}`,
          event.severity === 'info' ? 'neutral' : 'fail',
        );
        return;
      case 'session-close':
        row.state = 'closed';
        this.addLine(
          row,
          event,
          'close',
          `session closed: ${event.reason} (${(event.durationMs / 1000).toFixed(3)} s)`,
        );
        return;
    }
  }

  /** The row for an event's session; made from whatever the event tells when `session-open` was
   *  never seen (it fell out of the bus ring before the UI started, or the row was evicted). */
  private rowFor(event: TranscriptEvent): SessionRow {
    let row = this.sessions.get(event.sid);
    if (row) return row;
    const open = event.type === 'session-open' ? event : null;
    row = {
      sid: event.sid,
      proto: event.proto,
      listener: open?.listener ?? '?',
      client: open ? `${open.remoteAddress}:${open.remotePort}` : '?',
      tls: open?.tls === 'implicit' ? 'TLS' : 'plain',
      user: null,
      state: 'open',
      lineCount: 0,
      lines: new Ring(this.limits.linesPerSession),
      lastReply: null,
      scenarioActions: 0,
      errors: 0,
      findings: [],
      openedAt: event.time,
      order: this.nextOrder++,
    };
    this.sessions.set(event.sid, row);
    if (this.sessions.size > this.limits.sessions) this.evictRow(row);
    return row;
  }

  private addLine(
    row: SessionRow,
    event: TranscriptEvent,
    kind: LineKind,
    text: string,
    status: ReplyStatus = 'neutral',
    decoded?: string,
  ): void {
    const line: UiLine = {
      seq: event.seq,
      time: event.time,
      sid: event.sid,
      proto: event.proto,
      listener: row.listener,
      kind,
      text,
      status,
    };
    if (decoded !== undefined) line.decoded = decoded;
    row.lineCount++;
    if (row.lines.push(line) === undefined) this.totalLines++;
    this.stream.push(line);
    if (this.totalLines > this.limits.totalLines) this.trimLines();
  }

  /** Drops the oldest row (closed ones first), but never the one being added to. */
  private evictRow(keep: SessionRow): void {
    let victim: SessionRow | undefined;
    for (const row of this.sessions.values()) {
      if (row === keep) continue;
      if (row.state === 'closed') {
        victim = row;
        break;
      }
      victim ??= row;
    }
    if (victim) this.removeRow(victim);
  }

  private removeRow(row: SessionRow): void {
    this.totalLines -= row.lines.length;
    this.sessions.delete(row.sid);
  }

  /**
   * Over the total cap: free a tenth of it at once (so the scan is paid rarely), taking the oldest
   * lines of closed sessions first, then of open ones, oldest session first.
   */
  private trimLines(): void {
    const target = Math.floor(this.limits.totalLines * 0.9);
    for (const closedOnly of [true, false]) {
      for (const row of this.sessions.values()) {
        if (this.totalLines <= target) return;
        if (closedOnly && row.state !== 'closed') continue;
        const n = Math.min(row.lines.length, this.totalLines - target);
        row.lines.dropOldest(n);
        this.totalLines -= n;
      }
    }
  }

  /** `c`: forget closed sessions, their rows and their lines in the stream. */
  clearClosed(): number {
    let removed = 0;
    for (const row of [...this.sessions.values()]) {
      if (row.state !== 'closed') continue;
      this.removeRow(row);
      removed++;
    }
    if (removed) {
      this.stream.retain((line) => this.sessions.has(line.sid));
      this.version++;
    }
    return removed;
  }

  stats(): ModelStats {
    let largest = 0;
    let sum = 0;
    for (const row of this.sessions.values()) {
      sum += row.lines.length;
      largest = Math.max(largest, row.lines.length);
    }
    return {
      sessions: this.sessions.size,
      sessionLines: sum,
      streamLines: this.stream.length,
      largestSession: largest,
    };
  }
}
