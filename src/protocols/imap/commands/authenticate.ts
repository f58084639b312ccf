import { runSasl, type SaslWire } from '../../../auth/sasl.js';
import { NOT_AUTHENTICATED, REPLIED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { atomArg } from '../parser/args.js';
import type { ImapSession } from '../session.js';

/** IMAP's side of the shared SASL driver: `+ base64` challenges, lines through the continuation slot. */
function imapSasl(imap: ImapSession, tag: string): SaslWire {
  return {
    challenge: (base64, decoded) => imap.send(`+ ${base64}`, decoded),
    nextLine: async (describe) => (await imap.nextLine(describe))?.toString('latin1') ?? null,
    askAuth: async (mechanism, user) =>
      (await imap.consult('auth', tag, { command: 'AUTHENTICATE', mechanism, user })) === 'stop'
        ? 'stop'
        : 'proceed',
  };
}

/** RFC 3501 §6.2.2 with SASL-IR (RFC 4959), through the SASL driver of src/auth. */
export const authenticate: CommandSpec = {
  states: NOT_AUTHENTICATED,
  args: [1, 2],
  async handle({ imap, tag, args }) {
    const result = await runSasl(imapSasl(imap, tag), {
      mechanism: atomArg(args[0], 'a SASL mechanism name'),
      initial: args[1] ? atomArg(args[1], 'a base64 initial response') : undefined,
      policy: imap.authPolicy(),
      secure: imap.session.tls !== null,
      users: imap.users,
      hostname: imap.hostname,
      audit: imap.session,
    });
    switch (result.kind) {
      case 'accepted':
        imap.loggedIn(result.username);
        return `[CAPABILITY ${imap.capabilityText}] ${result.username} authenticated (${result.mechanism})`;
      case 'answered':
        return REPLIED;
      case 'refused':
        throw no(imap.authPolicy().failure?.join(' ') ?? 'Authentication failed', 'AUTHENTICATIONFAILED');
      case 'failed':
        throw no(result.reason, 'AUTHENTICATIONFAILED');
      case 'tls-required':
        throw no('Authentication is only allowed after STARTTLS', 'PRIVACYREQUIRED');
      case 'unsupported':
        throw no(`mechanism ${result.mechanism} is not supported`, 'CANNOT');
      case 'cancelled':
        // RFC 3501 §6.2.2: a cancelled exchange is answered with BAD.
        throw bad('AUTHENTICATE cancelled by the client');
      case 'malformed':
        throw bad(`SASL ${result.reason}`);
      case 'closed':
        throw no('connection closed');
    }
  },
};
