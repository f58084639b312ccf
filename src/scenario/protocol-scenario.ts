import type { UserDirectory } from '../auth/verify.js';
import type { Session } from '../core/session.js';
import type { StartTlsPolicy } from '../core/starttls.js';
import type { AuthPolicy, DecisionContext, ScenarioEngine } from './engine.js';
import type { Point } from './schema.js';
import type { Verdict } from './verdicts.js';

export type { Outcome } from './transport.js';

/**
 * What every line protocol (IMAP, POP3) reads from its own section of the scenario for one session:
 * greeting text, server name, STARTTLS/STLS policy, users and auth policy. The engine forgets the
 * session's counters when it closes. Each protocol extends this with its own verdict rendering; the
 * transport verdicts it hands to `playTransport` (transport.ts).
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

  get starttls(): StartTlsPolicy {
    return this.section?.starttls ?? 'offer';
  }

  users(fallback: UserDirectory): UserDirectory {
    return this.engine.usersFor(this.proto) ?? fallback;
  }

  authPolicy(): AuthPolicy {
    return this.engine.authPolicy(this.proto, this.core.tls !== null);
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
