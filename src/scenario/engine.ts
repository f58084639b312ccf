import { decideAuthPolicy, type AuthPolicy } from '../auth/policy.js';
import { userDirectory, type UserDirectory } from '../auth/verify.js';
import type { TranscriptBus } from '../transcript/bus.js';
import type { Proto } from '../transcript/events.js';
import type { Scenario } from './load.js';
import { deriveSeed, mulberry32, randomSeed, type Random } from './random.js';
import type { Point, ProtocolSection, Rule, Users } from './schema.js';
import { ClientTriggers } from './triggers.js';
import { describeVerdict, PASS, verdictOf, type ActiveVerdict, type Verdict } from './verdicts.js';

/** What a protocol knows at a decision point. */
export interface DecisionContext {
  sid: string;
  proto: Proto;
  /** Upper-case command name at point `command` (`RCPT`, `UID FETCH`). */
  command?: string;
  /** The command's arguments, as typed. */
  args?: string;
  user?: string | null;
  /** At point `auth`. */
  mechanism?: string;
  /** Client address, envelope sender and current recipient: the greylisting keys. */
  client?: string;
  sender?: string;
  recipient?: string;
  /** SMTP at `data-end`: every recipient of the transaction. */
  recipients?: string[];
  /** SMTP: which mail transaction of the session this is (1 = the first MAIL FROM); 0 before it. */
  transaction?: number;
  /** Milliseconds since the session opened (for `afterMs`). */
  sessionAgeMs?: number;
}

export type { AuthPolicy } from '../auth/policy.js';

interface SessionState {
  random: Random;
  /** Per-rule occurrence counts kept per session. */
  counts: Map<Rule, number>;
  /** Counts of rules counted `per: transaction` (alone or with other keys), for the current one only. */
  transaction: { number: number; counts: Map<string, number> };
}

export interface EngineOptions {
  /** Seed of the random source; the scenario's own `seed`, else a fresh one. */
  seed?: number;
  /** Where scenario-action events go. */
  bus?: TranscriptBus;
  /** Cross-session counter keys (per client/sender/recipient) kept before the oldest are forgotten. */
  maxCounterKeys?: number;
  /** The built-in accept-all scenario the sandbox runs when the user chose none. */
  builtIn?: boolean;
  /** SASL mechanisms offered and accepted where the scenario names none (`--auth-mechanisms`). */
  mechanisms?: readonly string[];
  /** Client-triggered faults (triggers.ts): on unless false here or `triggers: false` in the scenario. */
  triggers?: boolean;
}

const DEFAULT_MAX_COUNTER_KEYS = 10_000;

/**
 * The scenario engine: protocols ask `decide(point, context)` where a real server would decide, and
 * get one verdict from the closed set in verdicts.ts. Occurrence counters (per session, per SMTP
 * transaction, per server, per client / sender / recipient) and one seeded random stream per session make the same scenario,
 * seed and client give the same replies, run after run.
 */
export class ScenarioEngine {
  readonly seed: number;
  /** True when a rule has a probability or a delay has jitter: then the seed matters. */
  readonly hasRandomRules: boolean;
  private readonly sessions = new Map<string, SessionState>();
  private readonly ordinals: Record<Proto, number> = { smtp: 0, imap: 0, pop3: 0 };
  private readonly shared = new Map<string, number>();
  /** `args` patterns compiled once (they were checked by the schema). */
  private readonly patterns = new Map<string, RegExp>();
  private readonly maxCounterKeys: number;
  /** Each protocol's rules (its own, then the global ones), joined once. */
  private readonly rules: Record<Proto, Rule[]>;
  /** The points each protocol has a rule for: decide() answers `pass` at once everywhere else. */
  private readonly points: Record<Proto, ReadonlySet<Point>>;
  private readonly triggers: ClientTriggers | null;

  constructor(
    readonly scenario: Scenario,
    private readonly options: EngineOptions = {},
  ) {
    this.seed = options.seed ?? scenario.seed ?? randomSeed();
    this.maxCounterKeys = options.maxCounterKeys ?? DEFAULT_MAX_COUNTER_KEYS;
    const protos = ['smtp', 'imap', 'pop3'] as const;
    const rulesOf = (p: Proto) => [...(scenario[p]?.rules ?? []), ...(scenario.rules ?? [])];
    this.rules = { smtp: rulesOf('smtp'), imap: rulesOf('imap'), pop3: rulesOf('pop3') };
    const pointsOf = (p: Proto) => new Set(this.rules[p].map((r) => r.when.point ?? 'command'));
    this.points = { smtp: pointsOf('smtp'), imap: pointsOf('imap'), pop3: pointsOf('pop3') };
    const all = protos.flatMap((p) => this.rules[p]);
    this.triggers = options.triggers !== false && scenario.triggers !== false ? new ClientTriggers() : null;
    this.hasRandomRules = all.some((r) => r.when.probability !== undefined || (r.delay?.jitterMs ?? 0) > 0);
  }

  get name(): string {
    return this.scenario.name;
  }

  /** True for the built-in accept-all scenario (the user chose none): it scripts nothing. */
  get builtIn(): boolean {
    return this.options.builtIn ?? false;
  }

  section(proto: Proto): ProtocolSection | undefined {
    return this.scenario[proto];
  }

  /** A protocol's own rules first, then the global (transport) rules. */
  rulesOf(proto: Proto): readonly Rule[] {
    return this.rules[proto];
  }

  // ---- configuration views ----------------------------------------------------------------------

  /** Users of a protocol: its own table, else the scenario's, else undefined (the sandbox's). */
  usersFor(proto: Proto): UserDirectory | undefined {
    const users: Users | undefined = this.section(proto)?.users ?? this.scenario.users;
    if (users === undefined) return undefined;
    if (users === 'accept-any') return { mode: 'accept-any' };
    return userDirectory(users);
  }

  authPolicy(proto: Proto, secure: boolean): AuthPolicy {
    const { mechanisms } = this.options;
    return decideAuthPolicy(this.section(proto)?.auth ?? {}, this.scenario.auth ?? {}, secure, mechanisms);
  }

  // ---- decisions --------------------------------------------------------------------------------

  /** Asks the scenario what to do at `point`; a non-pass verdict is published as a scenario-action. */
  decide(point: Point, ctx: DecisionContext): Verdict {
    // A fault the client asked for by its address or login wins over the scenario's rules.
    const triggered = this.triggers?.verdict(point, ctx);
    if (triggered) return this.publish(point, ctx, triggered);
    // The fast path: no rule of this protocol could match here (always so in the built-in scenario).
    // A protocol with rules elsewhere still gets its session's random stream now, so streams are
    // handed out in the order sessions first ask, as if every point were looked at.
    if (!this.points[ctx.proto].has(point)) {
      if (this.rules[ctx.proto].length > 0) this.sessionOf(ctx);
      return PASS;
    }
    const session = this.sessionOf(ctx);
    let chosen: Rule | null = null;
    for (const rule of this.rulesOf(ctx.proto)) {
      if (!this.matches(rule, point, ctx)) continue;
      // Every matching occurrence is counted, also when an earlier rule already fired.
      const n = this.count(rule, ctx, session);
      if (chosen) continue;
      const w = rule.when;
      if (w.nth !== undefined && n !== w.nth) continue;
      if (w.first !== undefined && n > w.first) continue;
      if (w.from !== undefined && n < w.from) continue;
      if (w.afterMs !== undefined && (ctx.sessionAgeMs ?? 0) < w.afterMs) continue;
      if (w.probability !== undefined && !(session.random() < w.probability)) continue;
      chosen = rule;
    }
    if (!chosen) return PASS;
    return this.publish(point, ctx, verdictOf(chosen, this.delayOf(chosen, session.random)));
  }

  /**
   * True when decide(point) can only pass, whatever the context: no rule of the protocol has this
   * point and no client trigger can fire there (the built-in scenario on nearly every SMTP command).
   * A protocol asking on every command checks this first and skips building its context. Like
   * decide(), it hands the session its random stream where the protocol has rules elsewhere.
   */
  passesAt(proto: Proto, point: Point, sid: string, command?: string): boolean {
    if (this.points[proto].has(point) || this.triggers?.mayFire(proto, point, command)) return false;
    if (this.rules[proto].length > 0) this.sessionOf({ sid, proto });
    return true;
  }

  /** True when client-triggered faults are on (triggers.ts). */
  get triggersOn(): boolean {
    return this.triggers !== null;
  }

  /** Drops a closed session's counters and random stream. */
  forget(sid: string): void {
    this.sessions.delete(sid);
    this.triggers?.forget(sid);
  }

  /** Every verdict that is not a pass becomes a scenario-action event naming its rule. */
  private publish(point: Point, ctx: DecisionContext, verdict: ActiveVerdict): ActiveVerdict {
    this.options.bus?.publish({
      type: 'scenario-action',
      sid: ctx.sid,
      proto: ctx.proto,
      rule: verdict.rule,
      action: `${point}${ctx.command ? ` ${ctx.command}` : ''}: ${describeVerdict(verdict, ctx.proto)}`,
    });
    return verdict;
  }

  private matches(rule: Rule, point: Point, ctx: DecisionContext): boolean {
    const w = rule.when;
    if ((w.point ?? 'command') !== point) return false;
    if (w.command !== undefined && w.command !== ctx.command) return false;
    if (w.args !== undefined && !this.pattern(w.args).test(ctx.args ?? '')) return false;
    if (w.user !== undefined && w.user.toLowerCase() !== (ctx.user ?? '').toLowerCase()) return false;
    if (w.mechanism !== undefined && w.mechanism !== ctx.mechanism?.toUpperCase()) return false;
    return true;
  }

  private pattern(source: string): RegExp {
    let re = this.patterns.get(source);
    if (!re) this.patterns.set(source, (re = new RegExp(source, 'i')));
    return re;
  }

  private count(rule: Rule, ctx: DecisionContext, session: SessionState): number {
    const per = rule.when.per ?? 'session';
    if (per === 'session') {
      const n = (session.counts.get(rule) ?? 0) + 1;
      session.counts.set(rule, n);
      return n;
    }
    const keys = Array.isArray(per) ? per : [per];
    const parts = keys.map((k) => {
      switch (k) {
        case 'session':
          return ctx.sid;
        case 'transaction':
          return String(ctx.transaction ?? 0);
        case 'server':
          return '*';
        case 'client':
          return ctx.client ?? '';
        case 'sender':
          return (ctx.sender ?? '').toLowerCase();
        case 'recipient':
          return (ctx.recipient ?? '').toLowerCase();
      }
    });
    const index = this.rulesOf(ctx.proto).indexOf(rule);
    const key = `${ctx.proto}\0${index}\0${parts.join('\0')}`;
    // A transaction's counters live in its session and go when the next transaction starts.
    const counts = keys.includes('transaction') ? this.transactionCounts(session, ctx) : this.shared;
    const n = (counts.get(key) ?? 0) + 1;
    counts.delete(key);
    counts.set(key, n);
    if (counts.size > this.maxCounterKeys) counts.delete(counts.keys().next().value!);
    return n;
  }

  private transactionCounts(session: SessionState, ctx: DecisionContext): Map<string, number> {
    const number = ctx.transaction ?? 0;
    if (session.transaction.number !== number) session.transaction = { number, counts: new Map() };
    return session.transaction.counts;
  }

  private delayOf(rule: Rule, random: Random): number {
    if (!rule.delay) return 0;
    const jitter = rule.delay.jitterMs ?? 0;
    return Math.max(0, Math.round(rule.delay.ms + (random() * 2 - 1) * jitter));
  }

  private sessionOf(ctx: DecisionContext): SessionState {
    let state = this.sessions.get(ctx.sid);
    if (!state) {
      // Seeded by protocol and the session's ordinal in this engine, not by the process-wide sid.
      const ordinal = ++this.ordinals[ctx.proto];
      state = {
        random: mulberry32(deriveSeed(this.seed, `${ctx.proto}#${ordinal}`)),
        counts: new Map(),
        transaction: { number: 0, counts: new Map() },
      };
      this.sessions.set(ctx.sid, state);
      if (this.sessions.size > this.maxCounterKeys) this.sessions.delete(this.sessions.keys().next().value!);
    }
    return state;
  }
}
