import type { UserDirectory } from '../auth/verify.js';
import type { Session } from '../core/session.js';
import type { AuthPolicy, DecisionContext, ScenarioEngine } from './engine.js';
import { installWriteFault } from './faults.js';
import type { Point } from './schema.js';
import type { Verdict } from './verdicts.js';

/** What a verdict leaves for the command: carry on, or stop (the scenario answered or hung up). */
export type Outcome = 'proceed' | 'stop';

/**
 * What every line protocol (IMAP, POP3) reads from its own section of the scenario for one session:
 * greeting text, server name, STARTTLS/STLS policy, users and auth policy. The engine forgets the
 * session's counters when it closes. Each protocol extends this with its own verdict rendering.
 */
export class ProtocolScenario<P extends 'imap' | 'pop3'> {
  constructor(
    protected readonly engine: ScenarioEngine,
    protected readonly core: Session,
    private readonly proto: P,
  ) {
    core.onClose(() => engine.forget(core.sid));
  }

  protected get section() {
    return this.engine.scenario[this.proto];
  }

  /** The scenario's name, for transcript notes. */
  get name(): string {
    return this.engine.name;
  }

  get greeting(): string | undefined {
    return this.section?.greeting;
  }

  get hostname(): string | undefined {
    return this.section?.hostname;
  }

  get starttls(): 'offer' | 'hide' | 'refuse' | 'abort' {
    return this.section?.starttls ?? 'offer';
  }

  users(fallback: UserDirectory): UserDirectory {
    return this.engine.usersFor(this.proto) ?? fallback;
  }

  authPolicy(): AuthPolicy {
    return this.engine.authPolicy(this.proto, this.core.tls !== null);
  }

  /**
   * A verdict's delay, waited out inside the session's command queue (later commands wait too).
   * False when the session ended meanwhile.
   */
  protected async waitOut(verdict: Exclude<Verdict, { kind: 'pass' }>): Promise<boolean> {
    if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs).unref());
    return !this.core.closed;
  }

  /**
   * The transport verdicts, the same in every line protocol: disconnect (FIN or RST), stall (no answer
   * until the session ends, or closed after a while), throttle and slice (shaped writes). Null for the
   * verdicts the protocol renders in its own words.
   */
  protected async playTransport(verdict: Verdict, why: string): Promise<Outcome | null> {
    switch (verdict.kind) {
      case 'delay':
        return 'proceed';
      case 'disconnect':
        if (verdict.how === 'rst') this.core.reset(`${why}: reset`);
        else this.core.close(`${why}: disconnect`);
        return 'stop';
      case 'stall':
        // Nothing is answered and the queue holds every later command until the session ends.
        if (verdict.closeAfterMs !== null)
          setTimeout(() => this.core.close(`${why}: stalled`), verdict.closeAfterMs).unref();
        await new Promise<void>((resolve) => this.core.onClose(() => resolve()));
        return 'stop';
      case 'throttle':
        installWriteFault(this.core.socket, { kind: 'throttle', bytesPerSecond: verdict.bytesPerSecond });
        return 'proceed';
      case 'slice':
        installWriteFault(this.core.socket, {
          kind: 'slice',
          bytes: verdict.bytes,
          pieceDelayMs: verdict.pieceDelayMs,
        });
        return 'proceed';
      default:
        return null;
    }
  }

  /** Asks the engine at `point` for this session (client, age and counters keyed by its sid). */
  decide(point: Point, extra: Partial<DecisionContext> = {}): Verdict {
    return this.engine.decide(point, {
      sid: this.core.sid,
      proto: this.proto,
      client: this.core.remoteAddress,
      sessionAgeMs: Date.now() - this.core.openedAt,
      ...extra,
    });
  }
}
