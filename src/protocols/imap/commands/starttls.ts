import { offersStartTls } from '../capabilities.js';
import { NOT_AUTHENTICATED, REPLIED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';

/**
 * RFC 3501 §6.2.1: OK first, then the handshake; what the client pipelined after is discarded.
 * A scenario may hide STARTTLS (BAD, as on a port without it), refuse it (tagged NO, §6.2.1 allows
 * it), or say OK and then abort the handshake.
 */
export const starttls: CommandSpec = {
  states: NOT_AUTHENTICATED,
  args: [0, 0],
  async handle({ imap, tag }): Promise<typeof REPLIED> {
    if (imap.session.listener.tls !== 'starttls') throw bad('STARTTLS is not offered on this port');
    if (imap.session.tls) throw bad('TLS is already active');
    if (!offersStartTls(imap)) throw bad('STARTTLS is not offered on this port');
    if ((await imap.consult('starttls', tag, { command: 'STARTTLS' })) === 'stop') return REPLIED;
    const policy = imap.scenario.starttls;
    if (policy === 'refuse') {
      imap.session.note('info', 'scenario: STARTTLS refused');
      throw no('TLS not available due to temporary reason', 'UNAVAILABLE');
    }
    imap.send(`${tag} OK Begin TLS negotiation now`);
    if (policy === 'abort') {
      const core = imap.session;
      core.note('info', 'scenario: STARTTLS accepted, the handshake will be aborted');
      core.socket.removeAllListeners('data');
      // Dropped at the ClientHello rather than reset (same as POP3's STLS: a reset after close()
      // keeps Node 20 spinning at exit).
      core.socket.once('data', () => {
        core.close('scenario: TLS handshake aborted');
        core.socket.destroy();
      });
      return REPLIED;
    }
    await imap.startTls();
    return REPLIED;
  },
};
