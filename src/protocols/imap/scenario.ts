import type { Session } from '../../core/session.js';
import type { ScenarioEngine } from '../../scenario/engine.js';
import { ProtocolScenario, type Outcome } from '../../scenario/protocol-scenario.js';

export type { Outcome };
import { describeCut, installWriteFault, type WriteMeter } from '../../scenario/faults.js';
import type { Verdict } from '../../scenario/verdicts.js';
import type { MailStore } from '../../store/mail-store.js';

/** What the scenario may do to the IMAP session that asked. */
export interface ImapActions {
  /** The tag a tagged NO/BAD answers (`*` at connect and greeting). */
  tag: string;
  send(line: string): void;
  /** The maildrop and folder a UIDVALIDITY change or an unsolicited EXPUNGE applies to (null: none). */
  mailbox(): { drop: string; folder: string } | null;
  /** False once the moment the verdict was asked for has passed (IDLE ended before the delay ran out). */
  stillWanted?(): boolean;
}

/**
 * One IMAP session's side of the scenario (scenarios/README.md): greeting text and server name, users,
 * SASL mechanisms offered and accepted, CAPABILITY atoms, the STARTTLS policy, and the verdicts asked at
 * `connect`, `greeting`, `command`, `auth`, `fetch`, `idle` and `starttls`, rendered in IMAP's words:
 * tagged NO/BAD (RFC 3501 §7.1.2-3), `* BYE` and close (§7.1.5), `* OK [ALERT]` (§7.1), a new
 * UIDVALIDITY (§2.3.1.1) and an unsolicited EXPUNGE (§7.4.1) through the shared store, so other
 * sessions see them too. Throttle, slice and cut shape the socket's writes (scenario/faults.ts).
 * The built-in accept-all scenario answers `pass` everywhere: then the session behaves as RFC 3501 says.
 */
export class ImapScenario extends ProtocolScenario<'imap'> {
  /** The cuts installed on the session's socket (a rule may fire more than once before one ends it). */
  private readonly cuts: WriteMeter[] = [];

  constructor(
    engine: ScenarioEngine,
    core: Session,
    private readonly store: MailStore,
  ) {
    super(engine, core, 'imap');
  }

  /** A cut is installed: the session records its replies as far as they go out (`sendable`). */
  get cutting(): boolean {
    return this.cuts.length > 0;
  }

  /** How many of the next `bytes` bytes the session writes reach the client (faults.ts WriteMeter). */
  sendable(bytes: number): number {
    return this.cuts.reduce((n, cut) => cut.sendable(n), bytes);
  }

  /** CAPABILITY atoms with the scenario's removals (by name, case-insensitively) and additions. */
  capabilities(atoms: string[]): string[] {
    const remove = new Set((this.section?.capabilities?.remove ?? []).map((c) => c.toUpperCase()));
    return [...atoms.filter((a) => !remove.has(a.toUpperCase())), ...(this.section?.capabilities?.add ?? [])];
  }

  /** Plays a verdict; runs inside the session's command queue, so a delay or stall holds later commands. */
  async play(verdict: Verdict, actions: ImapActions): Promise<Outcome> {
    if (verdict.kind === 'pass') return 'proceed';
    if (!(await this.waitOut(verdict))) return 'stop';
    if (actions.stillWanted && !actions.stillWanted()) return 'proceed';
    const why = `scenario rule ${verdict.rule}`;
    switch (verdict.kind) {
      case 'imap-status':
        return this.status(verdict, actions, why);
      case 'imap-uidvalidity-change': {
        const mailbox = actions.mailbox();
        if (!mailbox) return this.skipped(why, 'no mailbox to change the UIDVALIDITY of');
        const value = await this.store.resetUidValidity(mailbox.drop, mailbox.folder);
        this.core.note('info', `${why}: UIDVALIDITY of ${mailbox.folder} is now ${value}`);
        return 'proceed';
      }
      case 'imap-expunge': {
        const mailbox = actions.mailbox();
        const folder = mailbox && (await this.store.folder(mailbox.drop, mailbox.folder));
        const last = folder?.messages.at(-1);
        if (!mailbox || !last) return this.skipped(why, 'no message to expunge');
        // Through the store: the selected view reports `* n EXPUNGE` when §7.4.1 allows it.
        await this.store.expunge(mailbox.drop, mailbox.folder, [last.uid]);
        return 'proceed';
      }
      case 'cut': {
        const meter = installWriteFault(this.core.socket, {
          kind: 'cut',
          afterBytes: verdict.afterBytes,
          onCut: (cut) => {
            this.core.note('info', describeCut(verdict.rule, cut, true));
            this.core.close(`${why}: connection cut after ${cut.sent} bytes, mid-reply`);
          },
        });
        this.cuts.push(meter);
        return 'proceed';
      }
      default:
        // Transport faults; other protocols' outcomes never reach an imap rule (the schema).
        return (await this.playTransport(verdict, why)) ?? 'proceed';
    }
  }

  private status(
    verdict: Extract<Verdict, { kind: 'imap-status' }>,
    actions: ImapActions,
    why: string,
  ): Outcome {
    const code = verdict.code ? `[${verdict.code}] ` : '';
    switch (verdict.status) {
      case 'ALERT':
        // RFC 3501 §7.1: the client must show an [ALERT] text to the user; the command carries on.
        actions.send(`* OK [ALERT] ${verdict.text}`);
        return 'proceed';
      case 'BYE':
        // §7.1.5: BYE, then the server closes the connection.
        actions.send(`* BYE ${verdict.text}`);
        this.core.close(`${why}: BYE`);
        return 'stop';
      case 'NO':
      case 'BAD':
        actions.send(`${actions.tag} ${verdict.status} ${code}${verdict.text}`);
        return 'stop';
    }
  }

  private skipped(why: string, reason: string): Outcome {
    this.core.note('warn', `${why}: ${reason}, nothing done`);
    return 'proceed';
  }
}
