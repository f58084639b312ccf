import type { SMTPServerAddress } from 'smtp-server';
import type { SmtpConversation } from '../conversation.js';
import type { Played } from '../verdict.js';

type HookCallback = (err?: Error | null) => void;

/** A verdict played inside one of smtp-server's hooks: its callback carries our reply, verbatim. */
function inHook(conv: SmtpConversation, callback: HookCallback): Played {
  return {
    proceed: () => callback(),
    reply: (code, lines) => {
      conv.connection.verbatimNext = true;
      callback(Object.assign(new Error(lines.join('\n')), { responseCode: code }));
    },
  };
}

/**
 * MAIL FROM, asked in smtp-server's onMailFrom once it parsed the address and refused what is not a
 * MAIL at all (syntax, nested MAIL). RFC 5321 §3.3: each MAIL that gets here starts a new transaction.
 */
export function mailFrom(conv: SmtpConversation, address: SMTPServerAddress, callback: HookCallback): void {
  conv.transaction++;
  const verdict = conv.decideCommand({ sender: address.address });
  if (verdict.kind === 'pass') return callback();
  conv.play(verdict, inHook(conv, callback));
}

/** RCPT TO, asked in smtp-server's onRcptTo with the recipient it parsed (the greylisting key). */
export function rcptTo(conv: SmtpConversation, address: SMTPServerAddress, callback: HookCallback): void {
  const verdict = conv.decideCommand({ recipient: address.address });
  if (verdict.kind === 'pass') return callback();
  conv.play(verdict, inHook(conv, callback));
}
