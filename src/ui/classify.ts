import type { Proto } from '../transcript/events.js';

/** How a reply reads to a human: success, failure, or neither (continuations, data, greetings' parts). */
export type ReplyStatus = 'ok' | 'fail' | 'neutral';

export interface ReplyReading {
  status: ReplyStatus;
  /** What the sessions list shows as the last reply (`250`, `+OK`, `NO`), or null for lines that are
   *  not a status reply (IMAP untagged data, POP3 multi-line bodies). */
  code: string | null;
}

const NEUTRAL: ReplyReading = { status: 'neutral', code: null };

/** RFC 5321 §4.2: a three-digit code; 2yz success, 3yz intermediate, 4yz/5yz failure. */
function smtpReply(line: string): ReplyReading {
  const m = /^([2-5])\d\d(?:[ -]|$)/.exec(line);
  if (!m) return NEUTRAL;
  const code = line.slice(0, 3);
  if (m[1] === '2') return { status: 'ok', code };
  if (m[1] === '3') return { status: 'neutral', code };
  return { status: 'fail', code };
}

/** RFC 1939 §3: every status reply starts with `+OK` or `-ERR`; `+ ` is a SASL continuation (RFC 5034). */
function pop3Reply(line: string): ReplyReading {
  if (/^\+OK\b/i.test(line)) return { status: 'ok', code: '+OK' };
  if (/^-ERR\b/i.test(line)) return { status: 'fail', code: '-ERR' };
  return NEUTRAL;
}

/**
 * RFC 3501 §7.1: status responses are OK, NO, BAD, PREAUTH, BYE — tagged ones end a command (the
 * code the list shows), untagged ones (`* OK [UIDVALIDITY …]`, `* NO …`) are coloured but keep the
 * last tagged code. `+` is a continuation request.
 */
function imapReply(line: string): ReplyReading {
  const [tag, condition = ''] = line.split(' ', 2);
  if (tag === '+' || !tag) return NEUTRAL;
  const cond = condition.toUpperCase();
  const tagged = tag !== '*';
  if (cond === 'OK' || cond === 'PREAUTH') return { status: 'ok', code: tagged ? cond : null };
  if (cond === 'NO' || cond === 'BAD') return { status: 'fail', code: tagged ? cond : null };
  return NEUTRAL;
}

export function readServerLine(proto: Proto, line: string): ReplyReading {
  switch (proto) {
    case 'smtp':
      return smtpReply(line);
    case 'pop3':
      return pop3Reply(line);
    case 'imap':
      return imapReply(line);
  }
}
