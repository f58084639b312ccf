import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';
import { offersStls } from './capa.js';

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
    if (core.tls) return session.fail(errors.protocol('TLS is already active'));
    const policy = session.scenario.starttls;
    if (!offersStls(session) || policy === 'hide')
      return session.fail(errors.protocol('STLS is not offered on this port'));
    if (policy === 'refuse') return session.fail(errors.sysTemp('TLS not available due to temporary reason'));
    session.ok('Begin TLS negotiation');
    if (policy === 'abort') {
      core.note('info', 'scenario: STLS accepted, the handshake will be aborted');
      core.socket.removeAllListeners('data');
      // Closed, not reset: Session.reset() after the end() that close() does keeps Node 20 spinning at
      // exit (seen in tests); dropping the socket aborts the handshake just as well.
      core.socket.once('data', () => {
        core.close('scenario: TLS handshake aborted');
        core.socket.destroy();
      });
      return;
    }
    if (await core.startTls()) session.state = { kind: 'authorization', user: null };
  },
};
