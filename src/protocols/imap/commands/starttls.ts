import { abortHandshake, startTlsStep } from '../../../core/starttls.js';
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
    const core = imap.session;
    if (core.listener.tls !== 'starttls') throw bad('STARTTLS is not offered on this port');
    const step = startTlsStep(core, imap.scenario.starttls);
    if (step === 'already-secure') throw bad('TLS is already active');
    if (step === 'not-offered') throw bad('STARTTLS is not offered on this port');
    if ((await imap.consult('starttls', tag, { command: 'STARTTLS' })) === 'stop') return REPLIED;
    if (step === 'refuse') {
      core.note('info', 'scenario: STARTTLS refused');
      throw no('TLS not available due to temporary reason', 'UNAVAILABLE');
    }
    imap.send(`${tag} OK Begin TLS negotiation now`);
    if (step === 'abort') abortHandshake(core, 'STARTTLS');
    else await imap.startTls();
    return REPLIED;
  },
};
