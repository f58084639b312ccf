import { apop } from './commands/apop.js';
import { auth } from './commands/auth.js';
import { capa } from './commands/capa.js';
import { dele } from './commands/dele.js';
import { list } from './commands/list.js';
import { noop } from './commands/noop.js';
import { pass } from './commands/pass.js';
import { quit } from './commands/quit.js';
import { retr } from './commands/retr.js';
import { rset } from './commands/rset.js';
import { stat } from './commands/stat.js';
import { stls } from './commands/stls.js';
import { top } from './commands/top.js';
import { uidl } from './commands/uidl.js';
import { user } from './commands/user.js';
import type { Pop3Session, Pop3StateKind } from './session.js';

/** One POP3 command: where it is allowed and what it takes. State and arity are checked centrally. */
export interface CommandSpec {
  readonly states: readonly Pop3StateKind[];
  /** Argument count; with `rest`, everything after the first space is one argument (USER, PASS). */
  readonly args: { readonly min: number; readonly max: number; readonly rest?: boolean };
  handle(session: Pop3Session, args: string[]): Promise<void> | void;
  /** A human reading of the command line for the transcript (AUTH's initial response decoded). */
  describe?(args: string[]): string | undefined;
}

/** Wire verb → command: the table of contents of the POP3 server (RFC 1939, 2449, 2595, 5034). */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  ['USER', user],
  ['PASS', pass],
  ['APOP', apop],
  ['AUTH', auth],
  ['CAPA', capa],
  ['STLS', stls],
  ['STAT', stat],
  ['LIST', list],
  ['RETR', retr],
  ['DELE', dele],
  ['NOOP', noop],
  ['RSET', rset],
  ['QUIT', quit],
  ['TOP', top],
  ['UIDL', uidl],
]);
