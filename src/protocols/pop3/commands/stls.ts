import { abortHandshake, startTlsStep } from '../../../core/starttls.js';
import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';

/**
 * RFC 2595 §4 STLS: `+OK`, then the TLS handshake on the same connection. Input the client pipelined
 * after STLS is discarded by the core (§3.1), and the session starts over in AUTHORIZATION. A
 * scenario may hide STLS, refuse it, or accept it and then abort the handshake.
 */
export const stls: CommandSpec = {
  states: ['authorization'],
  args: { min: 0, max: 0 },
  async handle(session) {
    const { core } = session;
    const step = startTlsStep(core, session.scenario.starttls);
    if (step === 'already-secure') return session.fail(errors.protocol('TLS is already active'));
    if (step === 'not-offered') return session.fail(errors.protocol('STLS is not offered on this port'));
    if (step === 'refuse') return session.fail(errors.sysTemp('TLS not available due to temporary reason'));
    session.ok('Begin TLS negotiation');
    if (step === 'abort') return abortHandshake(core, 'STLS');
    if (await core.startTls()) session.state = { kind: 'authorization', user: null };
  },
};
