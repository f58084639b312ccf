import { NOT_AUTHENTICATED, REPLIED, type CommandSpec } from '../command.js';
import { bad } from '../errors.js';

/** RFC 3501 §6.2.1: OK first, then the handshake; what the client pipelined after is discarded. */
export const starttls: CommandSpec = {
  states: NOT_AUTHENTICATED,
  args: [0, 0],
  async handle({ imap, tag }): Promise<typeof REPLIED> {
    if (imap.session.listener.tls !== 'starttls') throw bad('STARTTLS is not offered on this port');
    if (imap.session.tls) throw bad('TLS is already active');
    imap.send(`${tag} OK Begin TLS negotiation now`);
    await imap.startTls();
    return REPLIED;
  },
};
