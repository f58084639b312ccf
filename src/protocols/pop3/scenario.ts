import type { Session } from '../../core/session.js';
import type { ScenarioEngine } from '../../scenario/engine.js';
import { ProtocolScenario, type Outcome } from '../../scenario/protocol-scenario.js';

export type { Outcome };
import type { Verdict } from '../../scenario/verdicts.js';
import type { Pop3Error } from './replies.js';

/** What the scenario may do to the POP3 session that asked. */
export interface Pop3Actions {
  fail(error: Pop3Error): void;
  /** Cut the connection once `afterBytes` more bytes of replies went out. */
  cutAfter(afterBytes: number, rule: string): void;
}

/**
 * One POP3 session's side of the scenario (scenarios/README.md): the greeting text and server name,
 * users, SASL mechanisms offered and accepted, CAPA lines, the STLS policy, and the verdicts asked
 * at `connect`, `greeting`, `command`, `auth` and `retr`, rendered in POP3's words (`-ERR [code]`);
 * throttle and slice shape the socket's writes (scenario/faults.ts), a cut is done by the session.
 * The built-in accept-all scenario answers `pass` everywhere: then the session behaves as RFC 1939 says.
 */
export class Pop3Scenario extends ProtocolScenario<'pop3'> {
  constructor(engine: ScenarioEngine, core: Session) {
    super(engine, core, 'pop3');
  }

  /** CAPA lines with the scenario's removals (by first word) and additions (RFC 2449 §5). */
  capabilities(lines: string[]): string[] {
    const remove = new Set(
      (this.section?.capabilities?.remove ?? []).map((c) => c.split(' ')[0]!.toUpperCase()),
    );
    return [
      ...lines.filter((l) => !remove.has(l.split(' ')[0]!.toUpperCase())),
      ...(this.section?.capabilities?.add ?? []),
    ];
  }

  /** Plays a verdict; runs inside the session's command queue, so a delay or stall holds later commands. */
  async play(verdict: Verdict, actions: Pop3Actions): Promise<Outcome> {
    if (verdict.kind === 'pass') return 'proceed';
    if (!(await this.waitOut(verdict))) return 'stop';
    const why = `scenario rule ${verdict.rule}`;
    switch (verdict.kind) {
      case 'pop3-err':
        actions.fail({ code: verdict.code ?? null, text: verdict.text });
        if (verdict.close) this.core.close(`${why}: -ERR and close`);
        return 'stop';
      case 'cut':
        actions.cutAfter(verdict.afterBytes, verdict.rule);
        return 'proceed';
      default:
        // Transport faults; other protocols' outcomes never reach a pop3 rule (the schema).
        return (await this.playTransport(verdict, why)) ?? 'proceed';
    }
  }
}
