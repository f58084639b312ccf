import type { Session } from '../../core/session.js';
import type { ScenarioEngine } from '../../scenario/engine.js';
import { ProtocolScenario } from '../../scenario/protocol-scenario.js';
import { isTransport, playTransport, waitOut, type Outcome } from '../../scenario/transport.js';
import { registerVerdictWords, type Verdict } from '../../scenario/verdicts.js';

export type { Outcome };
import type { Pop3Error } from './replies.js';

/** What the scenario may do to the POP3 session that asked. */
export interface Pop3Actions {
  fail(error: Pop3Error): void;
}

/**
 * One POP3 session's side of the scenario (scenarios/README.md): the greeting text and server name,
 * users, SASL mechanisms offered and accepted, CAPA lines, the STLS policy, and the verdicts asked
 * at `connect`, `greeting`, `command`, `auth` and `retr`, rendered in POP3's words (`-ERR [code]`);
 * the transport verdicts are the shared ones (scenario/transport.ts).
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
    if (!(await waitOut(verdict, this.core))) return 'stop';
    if (isTransport(verdict)) return playTransport(verdict, this.core);
    const why = `scenario rule ${verdict.rule}`;
    switch (verdict.kind) {
      case 'refuse':
        actions.fail({ code: verdict.code, text: verdict.lines.join(' ') });
        if (verdict.close) this.core.close(`${why}: -ERR and close`);
        return 'stop';
      default:
        // IMAP's mailbox verdicts never reach a pop3 rule (the schema).
        return 'proceed';
    }
  }
}

/** POP3's reading of its refusal in the transcript (RFC 2449 §8 response codes). */
registerVerdictWords('pop3', (v, after) =>
  v.kind === 'refuse'
    ? `-ERR${v.code ? ` [${v.code}]` : ''} ${v.lines.join(' ')}${v.close ? ' and close' : ''}${after}`
    : undefined,
);
