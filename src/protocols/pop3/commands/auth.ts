import type { Mechanism, SaslExchange, SaslStep } from '../../../auth/mechanism.js';
import { findMechanism } from '../../../auth/registry.js';
import { passwordLookup, verifyCredentials } from '../../../auth/verify.js';
import { decodeBase64, describeChallenge, describeSaslPayload } from '../../../transcript/decode.js';
import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';
import type { Pop3Session } from '../session.js';

/** RFC 5034 §4: an initial response of `=` is an empty one; anything else is base64. */
function decodeInitial(text: string): Buffer | null {
  return text === '=' ? Buffer.alloc(0) : decodeBase64(text);
}

function accepted(session: Pop3Session, name: string): Mechanism | undefined {
  const mechanism = findMechanism(name);
  return mechanism && session.authPolicy().accepted.includes(mechanism.name) ? mechanism : undefined;
}

/** Renders one step of the exchange: a challenge (and the continuation for its answer), or the end. */
async function advance(
  session: Pop3Session,
  mechanism: Mechanism,
  exchange: SaslExchange,
  step: SaslStep,
  index: number,
): Promise<void> {
  switch (step.kind) {
    case 'challenge': {
      const base64 = step.data.toString('base64');
      session.sendChallenge(base64, describeChallenge(base64));
      session.continuation = async (line) => {
        session.core.client(line, describeSaslPayload(mechanism.name, line, index));
        // RFC 5034 §4: `*` cancels the exchange.
        if (line.trim() === '*') return session.fail(errors.protocol('AUTH cancelled by the client'));
        const data = decodeBase64(line);
        if (!data) return session.fail(errors.protocol('AUTH response is not base64'));
        await advance(session, mechanism, exchange, exchange.step(data), index + 1);
      };
      return;
    }
    case 'fail':
      session.core.auth(mechanism.name, '', false);
      return session.fail(errors.protocol(step.reason));
    case 'done': {
      const errorChallenge = refusalChallenge(mechanism);
      if (errorChallenge && !verifyCredentials(session.users, step.credentials)) {
        // RFC 7628 §3.2.2: a refused token gets an error challenge; the client answers with a dummy
        // line, and only then comes the failure reply.
        const base64 = errorChallenge.toString('base64');
        const { username } = step.credentials;
        session.sendChallenge(base64, describeChallenge(base64));
        session.continuation = (line) => {
          session.core.client(line, 'client acknowledged the error');
          session.core.auth(mechanism.name, username, false);
          session.fail(errors.auth());
        };
        return;
      }
      return session.login(step.credentials, mechanism.name);
    }
  }
}

/** Google's XOAUTH2 error (as smtp-server sends it); OAUTHBEARER brings its own. */
const XOAUTH2_ERROR = JSON.stringify({ status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' });

function refusalChallenge(mechanism: Mechanism): Buffer | null {
  return mechanism.errorChallenge?.() ?? (mechanism.name === 'XOAUTH2' ? Buffer.from(XOAUTH2_ERROR) : null);
}

/**
 * RFC 5034 AUTH mechanism [initial-response], with the same mechanism code as SMTP and IMAP. `AUTH`
 * alone lists the mechanisms the way the article's server did (`+OK methods supported:`).
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
    if (session.loginNeedsTls) return session.fail(errors.auth('TLS is required first: send STLS'));
    const mechanism = accepted(session, name);
    if (!mechanism) return session.fail(errors.protocol(`unsupported mechanism ${name.slice(0, 24)}`));
    const data = initial === undefined ? null : decodeInitial(initial);
    if (initial !== undefined && !data)
      return session.fail(errors.protocol('initial response is not base64'));
    const exchange = mechanism.create({
      hostname: session.hostname,
      passwordOf: passwordLookup(session.users),
    });
    await advance(session, mechanism, exchange, exchange.start(data), initial === undefined ? 0 : 1);
  },
};
