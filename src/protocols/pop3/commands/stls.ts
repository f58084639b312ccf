import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';
import { offersStls } from './capa.js';

/**
 * RFC 2595 §4 STLS: `+OK`, then the TLS handshake on the same connection. Input the client pipelined
 * after STLS is discarded by the core (§3.1), and the session starts over in AUTHORIZATION.
 */
export const stls: CommandSpec = {
  states: ['authorization'],
  args: { min: 0, max: 0 },
  async handle(session) {
    if (session.core.tls) return session.fail(errors.protocol('TLS is already active'));
    if (!offersStls(session)) return session.fail(errors.protocol('STLS is not offered on this port'));
    session.ok('Begin TLS negotiation');
    if (await session.core.startTls()) session.state = { kind: 'authorization', user: null };
  },
};
