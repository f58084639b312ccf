import type { Token } from './parser/tokenizer.js';
import type { ImapSession, StateKind } from './session.js';

export interface CommandContext {
  imap: ImapSession;
  tag: string;
  /** Wire name, upper-cased: `FETCH`, `UID FETCH`. */
  name: string;
  /** The UID variant of the command (RFC 3501 §6.4.8). */
  uid: boolean;
  args: Token[];
}

/** The handler already wrote its tagged reply (STARTTLS must answer before the handshake). */
export const REPLIED: unique symbol = Symbol('replied');

export type CommandResult = string | void | typeof REPLIED;

/** One row of the command table: where the command may run, how many arguments it takes, what it does. */
export interface CommandSpec {
  states: readonly StateKind[];
  /** Minimum and maximum number of arguments (after a UID prefix's sub-command). */
  args: readonly [number, number];
  /** RFC 3501 §7.4.1: no `* n EXPUNGE` may be sent while this command runs (FETCH, STORE, SEARCH). */
  holdsExpunge?: boolean;
  /**
   * What the command does once the selected mailbox was deleted or renamed (by another session, or a
   * RENAME in this one), as Dovecot 2.3 does it: `run` as usual (LIST, SELECT, UNSELECT, LOGOUT), `no` (a tagged NO, the session goes
   * on), `bye` (`* BYE` and the connection closes, no tagged reply). Default: `run` for commands of the
   * authenticated state, `bye` for those of the selected state only.
   */
  whenVanished?: 'run' | 'no' | 'bye';
  /**
   * The CAPABILITY atom that announces this command (`IDLE`, `MOVE`, `UIDPLUS`). When a scenario removes
   * the atom, the command is answered as a server without the extension answers it: `BAD unknown
   * command` (capabilities.ts `offers`). Arguments an extension adds are gated with `requireCapability`.
   */
  capability?: string;
  /** Runs the happy path; failures are thrown as ImapError. Returns the tagged OK's text. */
  handle(c: CommandContext): Promise<CommandResult> | CommandResult;
}

export const ANY_STATE: readonly StateKind[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTHENTICATED: readonly StateKind[] = ['not-authenticated'];
export const AUTHENTICATED: readonly StateKind[] = ['authenticated', 'selected'];
export const SELECTED: readonly StateKind[] = ['selected'];
