import type { Session } from '../../core/session.js';
import type { ScenarioEngine } from '../../scenario/engine.js';
import { ProtocolScenario } from '../../scenario/protocol-scenario.js';
import { isTransport, playTransport, waitOut, type Outcome } from '../../scenario/transport.js';
import { registerVerdictWords, type Verdict } from '../../scenario/verdicts.js';

export type { Outcome };
import type { MailStore } from '../../store/mail-store.js';
import { playSyncFault } from './sync-faults.js';

/** What the scenario may do to the IMAP session that asked. */
export interface ImapActions {
  /** The tag a tagged NO/BAD answers (`*` at connect and greeting). */
  tag: string;
  send(line: string): void;
  /** The maildrop and folder a UIDVALIDITY change or an unsolicited EXPUNGE applies to (null: none). */
  mailbox(): { drop: string; folder: string } | null;
  /** False once the moment the verdict was asked for has passed (IDLE ended before the delay ran out). */
  stillWanted?(): boolean;
  /** Leaves the selected mailbox, if any (a scenario's unasked `[CLOSED]`). */
  deselect(): void;
}

/**
 * One IMAP session's side of the scenario (scenarios/README.md): greeting text and server name, users,
 * SASL mechanisms offered and accepted, CAPABILITY atoms, the STARTTLS policy, and the verdicts asked at
 * `connect`, `greeting`, `command`, `auth`, `fetch`, `idle` and `starttls`, rendered in IMAP's words:
 * tagged NO/BAD (RFC 3501 §7.1.2-3), `* BYE` and close (§7.1.5), `* OK [ALERT]` (§7.1), a new
 * UIDVALIDITY (§2.3.1.1) and an unsolicited EXPUNGE (§7.4.1) through the shared store, so other
 * sessions see them too. The transport verdicts are the shared ones (scenario/transport.ts).
 * The built-in accept-all scenario answers `pass` everywhere: then the session behaves as RFC 3501 says.
 */
export class ImapScenario extends ProtocolScenario<'imap'> {
  constructor(
    engine: ScenarioEngine,
    core: Session,
    private readonly store: MailStore,
  ) {
    super(engine, core, 'imap');
  }

  /** The QUOTA limits the scenario sets (RFC 9208; src/protocols/imap/quota.ts). */
  get quota(): { storage?: number; messages?: number } | undefined {
    return this.section?.quota;
  }

  /** CAPABILITY atoms with the scenario's removals (by name, case-insensitively; `APPENDLIMIT` also
   *  removes `APPENDLIMIT=n`) and additions. */
  capabilities(atoms: string[]): string[] {
    const remove = new Set((this.section?.capabilities?.remove ?? []).map((c) => c.toUpperCase()));
    const removed = (atom: string): boolean =>
      remove.has(atom.toUpperCase()) || remove.has(atom.split('=')[0]!.toUpperCase());
    return [...atoms.filter((a) => !removed(a)), ...(this.section?.capabilities?.add ?? [])];
  }

  /** The atoms a scenario lists before login (upper case), or undefined: one list before and after. */
  get beforeLogin(): Set<string> | undefined {
    const list = this.section?.capabilities?.beforeLogin;
    return list && new Set(list.map((a) => a.toUpperCase()));
  }

  /** Plays a verdict; runs inside the session's command queue, so a delay or stall holds later commands. */
  async play(verdict: Verdict, actions: ImapActions): Promise<Outcome> {
    if (verdict.kind === 'pass') return 'proceed';
    if (!(await waitOut(verdict, this.core))) return 'stop';
    if (actions.stillWanted && !actions.stillWanted()) return 'proceed';
    if (isTransport(verdict)) return playTransport(verdict, this.core);
    const why = `scenario rule ${verdict.rule}`;
    switch (verdict.kind) {
      case 'notice':
        // RFC 3501 §7.1: the client must show an [ALERT] text to the user; the command carries on.
        actions.send(`* OK [${verdict.code ?? 'ALERT'}] ${verdict.text}`);
        return 'proceed';
      case 'refuse': {
        const text = verdict.lines.join(' ');
        if (verdict.close) {
          // §7.1.5: BYE, then the server closes the connection.
          actions.send(`* BYE ${text}`);
          this.core.close(`${why}: BYE`);
          return 'stop';
        }
        // §7.1.2-3: the command ends with a tagged NO, or BAD when the command itself is refused.
        const code = verdict.code ? `[${verdict.code}] ` : '';
        actions.send(`${actions.tag} ${verdict.invalid ? 'BAD' : 'NO'} ${code}${text}`);
        return 'stop';
      }
      case 'renumber': {
        const mailbox = actions.mailbox();
        if (!mailbox) return this.skipped(why, 'no mailbox to change the UIDVALIDITY of');
        const value = await this.store.resetUidValidity(mailbox.drop, mailbox.folder);
        this.core.note('info', `${why}: UIDVALIDITY of ${mailbox.folder} is now ${value}`);
        return 'proceed';
      }
      case 'vanish': {
        const mailbox = actions.mailbox();
        const folder = mailbox && (await this.store.folder(mailbox.drop, mailbox.folder));
        const last = folder?.messages.at(-1);
        if (!mailbox || !last) return this.skipped(why, 'no message to expunge');
        // Through the store: the selected view reports `* n EXPUNGE` when §7.4.1 allows it.
        await this.store.expunge(mailbox.drop, mailbox.folder, [last.uid]);
        return 'proceed';
      }
      case 'desync':
        return playSyncFault(verdict.fault, { core: this.core, store: this.store, actions, why });
    }
  }

  private skipped(why: string, reason: string): Outcome {
    this.core.note('warn', `${why}: ${reason}, nothing done`);
    return 'proceed';
  }
}

/** IMAP's reading of its verdicts in the transcript (`NO [code] text`, `UIDVALIDITY change`). */
registerVerdictWords('imap', (v, after) => {
  switch (v.kind) {
    case 'refuse': {
      const status = v.close ? 'BYE' : v.invalid ? 'BAD' : 'NO';
      return `${status}${v.code ? ` [${v.code}]` : ''} ${v.lines.join(' ')}${after}`;
    }
    case 'notice':
      return `ALERT${v.code ? ` [${v.code}]` : ''} ${v.text}${after}`;
    case 'renumber':
      return `UIDVALIDITY change${after}`;
    case 'vanish':
      return `unsolicited EXPUNGE${after}`;
    case 'desync':
      return `sync fault ${v.fault}${after}`;
    default:
      return undefined;
  }
});
