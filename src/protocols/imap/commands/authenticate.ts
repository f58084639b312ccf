import type { Credentials } from '../../../auth/mechanism.js';
import { findMechanism } from '../../../auth/registry.js';
import { passwordLookup, verifyCredentials } from '../../../auth/verify.js';
import { decodeBase64, describeChallenge, describeSaslPayload } from '../../../transcript/decode.js';
import { acceptedMechanisms } from '../auth-policy.js';
import { NOT_AUTHENTICATED, REPLIED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { atomArg } from '../parser/args.js';
import type { ImapSession } from '../session.js';

function decodePayload(text: string): Buffer {
  // RFC 4959 §3: `=` is an empty initial response.
  if (text === '=') return Buffer.alloc(0);
  const bytes = decodeBase64(text);
  if (!bytes) throw bad('SASL response is not base64');
  return bytes;
}

/** `+ base64` with the transcript showing the challenge decoded. */
function challenge(imap: ImapSession, data: Buffer): void {
  const payload = data.toString('base64');
  imap.send(`+ ${payload}`, describeChallenge(payload));
}

/** RFC 3501 §6.2.2 with SASL-IR (RFC 4959), driving the shared mechanisms of src/auth. */
export const authenticate: CommandSpec = {
  states: NOT_AUTHENTICATED,
  args: [1, 2],
  async handle({ imap, tag, args }) {
    const name = atomArg(args[0], 'a SASL mechanism name').toUpperCase();
    const policy = imap.authPolicy();
    // RFC 3501 §6.2.2 / RFC 8314: a scenario wanting TLS first refuses every mechanism before it.
    if (policy.requireTls && !imap.session.tls)
      throw no('Authentication is only allowed after STARTTLS', 'PRIVACYREQUIRED');
    const mechanism = acceptedMechanisms(imap).includes(name) ? findMechanism(name) : undefined;
    if (!mechanism) throw no(`mechanism ${name} is not supported`, 'CANNOT');
    const exchange = mechanism.create({ hostname: imap.hostname, passwordOf: passwordLookup(imap.users) });
    let index = 1;
    const initial = args[1] ? decodePayload(atomArg(args[1], 'a base64 initial response')) : null;
    let step = exchange.start(initial);
    const respond = async (): Promise<Buffer> => {
      const line = await imap.nextLine((text) => describeSaslPayload(name, text, index++));
      if (line === null) throw no('connection closed');
      const text = line.toString('latin1').trim();
      // RFC 3501 §6.2.2: `*` cancels the exchange, answered with BAD.
      if (text === '*') throw bad('AUTHENTICATE cancelled by the client');
      return decodePayload(text);
    };
    let credentials: Credentials | null = null;
    while (!credentials) {
      if (step.kind === 'fail') {
        imap.session.auth(name, '', false);
        throw no(step.reason, 'AUTHENTICATIONFAILED');
      }
      if (step.kind === 'done') credentials = step.credentials;
      else {
        challenge(imap, step.data);
        step = exchange.step(await respond());
      }
    }
    // A scenario decides at `auth` once the user is known, before the check (as SMTP does).
    const asked = { command: 'AUTHENTICATE', mechanism: name, user: credentials.username };
    if ((await imap.consult('auth', tag, asked)) === 'stop') {
      imap.session.auth(name, credentials.username, false);
      return REPLIED;
    }
    let ok = verifyCredentials(imap.users, credentials);
    if ('proof' in credentials && credentials.proof === 'invalid') ok = false;
    imap.session.auth(name, credentials.username, ok);
    if (!ok) {
      const error = mechanism.errorChallenge?.() ?? (name === 'XOAUTH2' ? xoauth2Error() : null);
      if (error) {
        // XOAUTH2 / OAUTHBEARER (RFC 7628 §3.2.2): the error as a challenge, the client answers, then NO.
        challenge(imap, error);
        await imap.nextLine();
      }
      throw no('Authentication failed', 'AUTHENTICATIONFAILED');
    }
    imap.loggedIn(credentials.username);
    return `[CAPABILITY ${imap.capabilityText}] ${credentials.username} authenticated (${name})`;
  },
};

function xoauth2Error(): Buffer {
  return Buffer.from(JSON.stringify({ status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' }));
}
