import { checkCommand } from '../../core/command-check.js';
import { commandOffered } from './capabilities.js';
import { REPLIED, type CommandSpec } from './command.js';
import { StoreError } from '../../store/mail-store.js';
import { bad, ImapError, no } from './errors.js';
import { parseCommand, tagOf } from './parser/tokenizer.js';
import { COMMANDS } from './registry.js';
import type { ImapSession, ImapState } from './session.js';
import { byeVanished } from './updates.js';

/** Parenthesis depth a command may use (RFC 3501 SEARCH needs a few); stops a recursion attack. */
const MAX_NESTING = 32;

/**
 * Parses one framed command, checks it against the table (capability, state, arity) once, asks the
 * scenario, runs its handler and answers it; errors become tagged NO/BAD.
 */
export async function dispatch(imap: ImapSession, raw: Buffer): Promise<void> {
  if (imap.session.closed) return;
  const tag = tagOf(raw) ?? '*';
  let spec: CommandSpec | undefined;
  try {
    const parsed = parseCommand(raw, MAX_NESTING);
    let name = parsed.name;
    let args = parsed.args;
    const uid = name === 'UID';
    if (uid) {
      const sub = args[0];
      if (sub?.type !== 'atom') throw bad('UID needs a command: FETCH, STORE, COPY, MOVE, SEARCH or EXPUNGE');
      name = `UID ${sub.value.toUpperCase()}`;
      args = args.slice(1);
    }
    spec = COMMANDS.get(name);
    // A command whose capability a scenario removed is unknown, as on a server without it.
    const offered = spec && commandOffered(imap, spec) ? spec : undefined;
    // State and arity are checked here, once, before any handler runs.
    const check = checkCommand(offered, imap.state.kind, args.length, (r) => r.args);
    if (check.kind === 'unknown') throw bad(`unknown command ${name}`);
    if (check.kind === 'wrong-state') throw bad(`${name} is not allowed ${stateText(imap.state)}`);
    if (check.kind === 'arity') {
      const { min, max } = check;
      throw bad(
        `${name} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} arguments`,
      );
    }
    const command = check.row;
    if (imap.state.kind === 'selected' && imap.state.view.vanished) {
      const verdict = command.whenVanished ?? (command.states.includes('authenticated') ? 'run' : 'bye');
      if (verdict === 'bye') return byeVanished(imap, imap.state.view);
      if (verdict === 'no') throw no('Mailbox was deleted under us');
    }
    if (
      (await imap.consult('command', parsed.tag, {
        command: name,
        args: argumentText(raw, uid),
      })) === 'stop'
    )
      return;
    const result = await command.handle({ imap, tag: parsed.tag, name, uid, args });
    // A scenario's BYE during the command (IDLE) closed the session: no tagged reply follows it.
    if (result === REPLIED || imap.session.closed) return;
    imap.flushUpdates(!command.holdsExpunge);
    imap.errors.ok();
    imap.send(`${parsed.tag} OK ${result || `${name} completed`}`);
    if (imap.state.kind === 'logout') imap.session.close('client logged out');
  } catch (caught) {
    // A FETCH of a message another session expunged, whose file is gone (--maildir; RFC 2180 §4.1.2).
    const err =
      caught instanceof StoreError && caught.code === 'EXPUNGEISSUED'
        ? no(caught.message, 'EXPUNGEISSUED')
        : caught;
    if (!(err instanceof ImapError)) {
      imap.session.note('error', `internal error: ${(err as Error).stack ?? String(err)}`);
      imap.send(`${tag} NO [SERVERBUG] internal error: ${(err as Error).message}`);
      return;
    }
    if (imap.session.closed) return;
    if (imap.state.kind === 'selected') imap.flushUpdates(!spec?.holdsExpunge);
    if (err.status === 'NO') {
      imap.errors.ok();
      imap.send(`${tag} NO ${err.responseText}`);
    } else countBad(imap, `${tag} BAD ${err.responseText}`);
  }
}

/** Sends a BAD; too many in a row and the session ends (limits.maxErrorsInARow). */
export function countBad(imap: ImapSession, line: string): void {
  imap.send(line);
  if (!imap.errors.fail()) return;
  imap.send(`* BYE Too many errors in a row (${imap.errors.inARow})`);
  imap.session.close(`too many errors in a row (${imap.errors.inARow})`);
}

function stateText(state: ImapState): string {
  switch (state.kind) {
    case 'not-authenticated':
      return 'before login';
    case 'authenticated':
      return 'without a selected mailbox';
    case 'selected':
      return 'after login';
    case 'logout':
      return 'after LOGOUT';
  }
}

/** The arguments of a command line as typed, after the tag, the name and a UID prefix (rules' `args`). */
function argumentText(raw: Buffer, uid: boolean): string {
  const line = raw.toString('utf8');
  const words = line.split(' ');
  return words
    .slice(uid ? 3 : 2)
    .join(' ')
    .replace(/\r?\n$/, '');
}

/** The mailbox name of a SELECT/EXAMINE argument text, unquoted. */
export function mailboxArgument(args: string | undefined): string | null {
  if (!args) return null;
  const m = /^"((?:[^"\\]|\\.)*)"|^(\S+)/.exec(args);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
}
