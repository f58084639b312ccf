import type { FindingSeverity, Proto, TranscriptEvent, TranscriptEventInput } from '../transcript/events.js';
import { FINDINGS, type Finding, type FindingId } from './catalog.js';
import { Conversation } from './conversation.js';
import type { At, SessionRules } from './rule.js';
import { downgradeRules } from './rules/downgrade.js';
import { flowRules } from './rules/flow.js';
import { messageRules } from './rules/message.js';
import { DEFAULT_RETRY_WINDOW_MS, retryRules } from './rules/retry.js';
import { tlsRules } from './rules/tls.js';
import { uidValidityRules } from './rules/uidvalidity.js';

export interface SessionReport {
  sid: string;
  proto: Proto;
  listener: string;
  client: string;
  user: string | null;
  tls: string;
  findings: Finding[];
}

export interface Report {
  sessions: SessionReport[];
}

export interface RunnerOptions {
  /** Called with each new finding, as a `finding` event to publish (live); not called offline. */
  onFinding?: (event: TranscriptEventInput & { type: 'finding' }) => void;
  retryWindowMs?: number;
  /** Sessions kept for `report()`; the oldest closed ones go first. */
  maxSessions?: number;
}

/** Found once per session: saying it again for every later command adds nothing. */
const ONCE = new Set<FindingId>([
  'plaintext-auth',
  'starttls-not-used',
  'tls-not-verified',
  'weak-tls',
  'login-despite-logindisabled',
  'pipelining-without-extension',
  'auth-downgrade',
  'no-quit',
  'dele-without-quit',
]);
/** Any other id at most this often per session (a client looping on one fault). */
const MAX_PER_ID = 20;
/** Events of one session the rules read; past this the session is no longer followed. */
const MAX_SESSION_EVENTS = 200_000;

interface Tracked {
  summary: SessionReport;
  /** Null until the rules start, and again once the session closed: its rules have nothing more to
   *  find, only the summary is kept. */
  conversation: Conversation | null;
  /** Until the client says anything, the session's events wait here instead of in its rules: an idle
   *  connection (most of a load test's open sessions) then holds no rule state (~2 KB less each). */
  waiting: TranscriptEvent[] | null;
  closed: boolean;
}

/** Server events a session may have before its rules start (a long multi-line greeting starts them). */
const MAX_WAITING = 32;

/**
 * Runs the rule families (src/report/rules/) over transcript events: live, subscribed to the bus
 * (each finding is published back as a `finding` event), or offline over recorded .jsonl files.
 * Findings already in the events (recorded live) are counted as transcript lines, not re-read.
 */
export class FindingsRunner {
  private readonly sessions = new Map<string, Tracked>();
  private readonly families;
  private readonly maxSessions: number;

  constructor(private readonly options: RunnerOptions = {}) {
    this.families = [
      tlsRules,
      messageRules,
      flowRules,
      downgradeRules(),
      retryRules(options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS),
      uidValidityRules(),
    ];
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** `key` tells sessions apart (offline: the file, since session ids repeat across runs). */
  ingest(event: TranscriptEvent, key: string = event.sid): void {
    if (event.sid === '-') return;
    let tracked = this.sessions.get(key);
    if (!tracked) {
      if (event.type === 'finding') return;
      tracked = this.track(key, event);
    }
    const waiting = tracked.waiting;
    if (waiting) {
      if ((event.type === 'session-open' || event.type === 'server-line') && waiting.length < MAX_WAITING) {
        waiting.push(event);
        if (event.type === 'session-open') {
          tracked.summary.listener = event.listener;
          tracked.summary.client = `${event.remoteAddress}:${event.remotePort}`;
        }
        return;
      }
      tracked.waiting = null;
      tracked.conversation = this.startRules(key, tracked.summary, waiting[0] ?? event);
      for (const early of waiting) this.take(tracked, early);
    }
    this.take(tracked, event);
  }

  private take(tracked: Tracked, event: TranscriptEvent): void {
    const { conversation, summary } = tracked;
    if (!conversation || conversation.lines >= MAX_SESSION_EVENTS) return;
    if (event.type === 'finding') {
      conversation.lines++;
      return;
    }
    conversation.take(event);
    // A closed session's rules (a Conversation, a closure per hook, sets and maps) are let go at
    // once: kept for every one of the last maxSessions sessions they were most of the memory the
    // sandbox retained per SMTP message, and the garbage collector copied them on every pass.
    if (event.type === 'session-close') {
      tracked.conversation = null;
      tracked.closed = true;
    }
    // Only these change what the summary says; the rest (most events) skip the copying.
    if (event.type === 'session-open' || event.type === 'tls-upgraded' || event.type === 'auth') {
      summary.listener = conversation.listener;
      summary.client = `${conversation.clientAddress}:${conversation.clientPort}`;
      summary.user = conversation.user;
      summary.tls = conversation.tlsLabel;
    }
  }

  private track(key: string, first: TranscriptEvent): Tracked {
    const summary: SessionReport = {
      sid: first.sid,
      proto: first.proto,
      listener: '?',
      client: '?',
      user: null,
      tls: 'plain',
      findings: [],
    };
    const tracked: Tracked = { summary, conversation: null, waiting: [], closed: false };
    this.sessions.set(key, tracked);
    if (this.sessions.size > this.maxSessions) this.evict();
    return tracked;
  }

  /** The session's rules, from its first event on (the client spoke, or more than waits came). */
  private startRules(key: string, summary: SessionReport, first: TranscriptEvent): Conversation {
    // Made at the first finding: most sessions have none.
    let counts: Map<FindingId, number> | null = null;
    const report = (id: FindingId, where: At, message: string) => {
      counts ??= new Map();
      const n = counts.get(id) ?? 0;
      if (n >= (ONCE.has(id) ? 1 : MAX_PER_ID)) return;
      counts.set(id, n + 1);
      const severity: FindingSeverity = FINDINGS[id].severity;
      summary.findings.push({ id, severity, message, line: where.line, at: where.seq });
      this.options.onFinding?.({
        type: 'finding',
        sid: summary.sid,
        proto: summary.proto,
        id,
        severity,
        message,
        line: where.line,
        at: where.seq,
      });
    };
    // Each hook goes only to the families that have it: every event of every session passes here.
    const onCommand: SessionRules[] = [];
    const onReply: SessionRules[] = [];
    const onEvent: SessionRules[] = [];
    const conversation = new Conversation(key, first, {
      command: (cmd) => {
        for (const r of onCommand) r.command!(cmd);
      },
      reply: (cmd, reply) => {
        for (const r of onReply) r.reply!(cmd, reply);
      },
      event: (event, line) => {
        for (const r of onEvent) r.event!(event, line);
      },
    });
    for (const family of this.families) {
      const r = family(report, conversation);
      if (r.command) onCommand.push(r);
      if (r.reply) onReply.push(r);
      if (r.event) onEvent.push(r);
    }
    return conversation;
  }

  private evict(): void {
    for (const [key, t] of this.sessions) {
      if (t.closed) {
        this.sessions.delete(key);
        return;
      }
    }
    this.sessions.delete(this.sessions.keys().next().value!);
  }

  /** The findings of one session so far (live: the UI's pane). */
  findings(key: string): Finding[] {
    return this.sessions.get(key)?.summary.findings ?? [];
  }

  report(): Report {
    return {
      sessions: [...this.sessions.values()].map((t) => ({ ...t.summary, findings: [...t.summary.findings] })),
    };
  }
}
