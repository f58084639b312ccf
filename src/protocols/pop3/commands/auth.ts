import { runSasl, type SaslResult, type SaslWire } from '../../../auth/sasl.js';
import { ExchangeTurns } from '../../../core/line-conversation.js';
import { describeSaslPayload } from '../../../transcript/decode.js';
import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';
import type { Pop3Session } from '../session.js';

/**
 * POP3's side of the shared SASL driver: `+ base64` challenges, answers through the continuation slot.
 * The command queue waits for each turn of the exchange (core/line-conversation.ts ExchangeTurns), so
 * a line pipelined behind an answer is read after the exchange has dealt with it.
 */
function pop3Sasl(session: Pop3Session, turns: ExchangeTurns): SaslWire {
  return {
    challenge: (base64, decoded) => session.sendChallenge(base64, decoded),
    nextLine: (describe) =>
      turns.nextLine(session.slot, describe, () => new Promise<void>((release) => turns.hold(release))),
    askAuth: async (mechanism, user) => session.ask('auth', { mechanism, user }),
  };
}

/** POP3's final words for each way an exchange ends. */
async function finish(session: Pop3Session, result: SaslResult): Promise<void> {
  switch (result.kind) {
    case 'accepted':
      return session.enter(result.username);
    case 'refused':
      return session.fail(errors.auth(session.authPolicy().failure?.join(' ')));
    case 'failed':
      return session.fail(errors.protocol(result.reason));
    case 'tls-required':
      return session.fail(errors.auth('TLS is required first: send STLS'));
    case 'unsupported':
      return session.fail(errors.protocol(`unsupported mechanism ${result.mechanism.slice(0, 24)}`));
    case 'cancelled':
      // RFC 5034 §4: `*` cancels the exchange.
      return session.fail(errors.protocol('AUTH cancelled by the client'));
    case 'malformed':
      return session.fail(errors.protocol(result.initial ? result.reason : `AUTH ${result.reason}`));
    case 'answered':
    case 'closed':
      return;
  }
}

/**
 * RFC 5034 AUTH mechanism [initial-response], through the SASL driver of src/auth. `AUTH` alone lists
 * the mechanisms the way the article's server did (`+OK methods supported:`).
 */
export const auth: CommandSpec = {
  states: ['authorization'],
  args: { min: 0, max: 2 },
  describe([name, initial]) {
    if (!name || initial === undefined) return undefined;
    return initial === '=' ? 'empty initial response' : describeSaslPayload(name, initial, 0);
  },
  async handle(session, [name, initial]) {
    if (name === undefined)
      return session.sendText('+OK methods supported:', session.authPolicy().advertised);
    const request = {
      mechanism: name,
      initial,
      policy: session.authPolicy(),
      secure: session.core.tls !== null,
      users: session.users,
      hostname: session.hostname,
      audit: session.core,
    };
    await new Promise<void>((release) => {
      const turns = new ExchangeTurns(release);
      void runSasl(pop3Sasl(session, turns), request)
        .then((result) => finish(session, result))
        .catch((err: Error) => session.core.note('error', `AUTH: ${err.message}`))
        .finally(() => turns.release());
    });
  },
};
