import { runSasl, type SaslResult, type SaslWire } from '../../../auth/sasl.js';
import { ExchangeTurns } from '../../../core/line-conversation.js';
import type { CommandRun } from '../commands.js';
import type { SmtpConversation } from '../conversation.js';

/**
 * SMTP's side of the shared SASL driver: `334 base64` challenges; each answer is a line smtp-server's
 * parser hands to the conversation's continuation slot, whose `done` is held until the exchange asks
 * for the next line or ends (core/line-conversation.ts ExchangeTurns), so a line pipelined behind an
 * answer waits for it.
 */
function smtpSasl(conv: SmtpConversation, turns: ExchangeTurns): SaslWire {
  return {
    challenge: (base64) => conv.reply(334, [base64]),
    nextLine: (describe) =>
      turns.nextLine(conv.slot, describe, (line) => turns.hold(line ? conv.lineDone : null)),
    askAuth: (mechanism, user) =>
      new Promise((resolve) => {
        const verdict = conv.decide('auth', { mechanism, user });
        // A hang-up or a stall at `auth` ends the exchange here; nothing more is read or written.
        if (verdict.kind === 'disconnect' || verdict.kind === 'stall') {
          turns.hold(null);
          resolve('stop');
        }
        conv.play(verdict, {
          proceed: () => resolve('proceed'),
          reply: (code, lines) => {
            conv.reply(code, lines);
            resolve('stop');
          },
        });
      }),
  };
}

/** SMTP's final words for each way an exchange ends (RFC 4954 §4, §6). */
function finish(conv: SmtpConversation, result: SaslResult): void {
  switch (result.kind) {
    case 'accepted':
      conv.authenticated(result.username);
      return conv.reply(235, ['2.7.0 Authentication successful']);
    case 'refused':
      return conv.reply(535, conv.authPolicy().failure ?? ['5.7.8 Authentication credentials invalid']);
    case 'failed':
      return conv.reply(501, [`5.5.2 ${result.reason}`]);
    case 'tls-required':
      return conv.reply(530, ['5.7.0 Must issue a STARTTLS command first']);
    case 'unsupported':
      return conv.reply(504, ['5.5.4 Unrecognized authentication type']);
    case 'cancelled':
      return conv.reply(501, ['5.7.0 Authentication aborted']);
    case 'malformed':
      return conv.reply(501, [
        `5.5.2 Cannot decode the ${result.initial ? 'initial response' : 'response'} (not base64)`,
      ]);
    case 'answered':
    case 'closed':
      return;
  }
}

/**
 * AUTH mechanism [initial-response] (RFC 4954), on every SMTP listener and in every mode through the
 * SASL driver of src/auth: every mechanism the sandbox implements, as the auth policy offers them.
 */
export const auth: CommandRun = (conv, { args }, _proceed, done) => {
  const [mechanism = '', initial] = args.split(/\s+/);
  const refuse = (code: number, text: string) => {
    conv.reply(code, [text]);
    done();
  };
  if (!conv.connection.hostNameAppearsAs) return refuse(503, '5.5.1 Error: send HELO/EHLO first');
  // RFC 4954 §4: AUTH is not allowed once authenticated.
  if (conv.connection.session.user) return refuse(503, '5.5.1 Error: already authenticated');
  const turns = new ExchangeTurns(done);
  void runSasl(smtpSasl(conv, turns), {
    mechanism,
    initial,
    policy: conv.authPolicy(),
    secure: conv.secure,
    users: conv.users,
    hostname: conv.serverName,
    audit: conv.session,
  })
    .then((result) => finish(conv, result))
    .catch((err: Error) => conv.session.note('error', `AUTH: ${err.message}`))
    .finally(() => turns.release());
};
