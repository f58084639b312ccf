import { overflowNote, type OverflowPhase } from '../../core/line-reader.js';
import { describeSaslPayload } from '../../transcript/decode.js';
import { countBad } from './dispatch.js';
import { bad } from './errors.js';
import type { LiteralInfo } from './parser/framing.js';
import type { ImapSession } from './session.js';

/*
 * IMAP's input side: each framed line goes to the continuation slot (SASL step, IDLE's DONE) or to the
 * command framing; literals are accepted, refused, recorded, or noted when the connection ends in one;
 * a line over the limit is answered at once.
 */

export function onLine(imap: ImapSession, line: Buffer): void {
  const text = line.toString('utf8');
  if (imap.slot.waiting && !imap.framing.midCommand) {
    imap.slot.hand(line);
    return;
  }
  // The empty line that ends a command after its literal says nothing the `{N bytes literal}` line
  // did not (RFC 3501 §4.3: the command goes on after the literal, here with nothing).
  if (imap.framing.midCommand) {
    if (text !== '') imap.session.client(text);
  } else imap.session.client(text, describeCommandLine(text));
  imap.framing.onLine(line);
}

/**
 * A line over the limit: answered as soon as it passes the limit (the client may be sending
 * megabytes more), noted with its size once it ended or the connection closed without its LF.
 */
export function onOverflow(imap: ImapSession, bytes: number, phase: OverflowPhase): void {
  const { maxLineBytes } = imap.ctx.limits;
  if (phase === 'started') {
    // As in onLine: a command half framed owns the line, not the slot.
    const owned = !imap.framing.midCommand && imap.slot.waiting;
    imap.framing.reset();
    const tooLong = `line is longer than ${maxLineBytes} bytes`;
    if (owned) {
      // The line is the one a command waits for (IDLE's DONE, a SASL response) while it holds the
      // queue: the command ends now with its tagged BAD, not at a next line the client will not send
      // before it is answered. RFC 3501 §6.2.2: a response the server cannot use rejects AUTHENTICATE
      // with BAD; RFC 2177 leaves IDLE to the server, and Dovecot answers `BAD Expected DONE.` at once.
      imap.slot.refuse(bad(tooLong, 'TOOBIG'));
      return;
    }
    imap.session.enqueue(() => countBad(imap, `* BAD [TOOBIG] ${tooLong}`));
    return;
  }
  const text = overflowNote(bytes, phase, maxLineBytes, imap.session.closed);
  // After the BAD (queued); a closing session runs no more tasks, and its close line comes next.
  if (phase === 'cut') imap.session.note('warn', text);
  else imap.session.enqueue(() => imap.session.note('warn', text));
}

/** The connection closed (or STARTTLS discarded the input) in the middle of a literal, or after
 *  it but before the line that ends its command. */
export function literalCut(imap: ImapSession, info: LiteralInfo, received: number): void {
  const what = imap.session.closed ? 'connection closed' : 'input discarded at STARTTLS';
  const how =
    received < info.size
      ? `${what} after ${received} of ${info.size} literal bytes`
      : `${what} after the ${info.size}-byte literal, before the end of the command`;
  imap.session.note(
    'warn',
    info.command === 'APPEND'
      ? `message not stored: ${how}`
      : `command ${info.tag} ${info.command} not run: ${how}`,
  );
}

export function recordLiteral(imap: ImapSession, data: Buffer): void {
  if (imap.ctx.transcriptBodies) {
    for (const line of data.toString('utf8').split(/\r?\n/)) imap.session.client(line);
    return;
  }
  const end = data.indexOf(10);
  const first = data
    .subarray(0, Math.min(end < 0 ? data.length : end, 200))
    .toString('utf8')
    .replace(/\r$/, '');
  imap.session.client(`{${data.length} bytes literal}${first ? ' ' + JSON.stringify(first) : ''}`);
}

export function refuseLiteral(imap: ImapSession, info: LiteralInfo, reason: string): void {
  if (info.nonSync || info.tag === '*') {
    // RFC 7888 §4: the bytes of a refused non-synchronising literal are already on their way; there
    // is no telling where the next command starts, so the only safe answer is to hang up.
    imap.send(`${info.tag} BAD [TOOBIG] ${reason}`);
    imap.send('* BYE Cannot skip the literal, closing');
    imap.session.close(reason);
    return;
  }
  // RFC 3501 §7.5: instead of `+`, a tagged reply ends the command; the client never sends the bytes.
  imap.session.enqueue(() => {
    imap.session.note('warn', reason);
    imap.send(`${info.tag} NO [TOOBIG] ${reason}`);
  });
}

/** The transcript's reading of a command line: SASL-IR initial responses decoded. */
function describeCommandLine(text: string): string | undefined {
  const m = /^\S+ AUTHENTICATE (\S+) (\S+)$/i.exec(text);
  return m ? describeInitial(m[1]!, m[2]!) : undefined;
}

function describeInitial(mechanism: string, payload: string): string {
  return payload === '=' ? 'empty initial response' : describeSaslPayload(mechanism, payload, 0);
}
