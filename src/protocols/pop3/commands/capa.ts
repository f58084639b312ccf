import { DEFAULT_MECHANISMS } from '../../../auth/registry.js';
import type { CommandSpec } from '../registry.js';

/** RFC 2449 §5 CAPA: what this server does, valid before and after login. */
export const capa: CommandSpec = {
  states: ['authorization', 'transaction'],
  args: { min: 0, max: 0 },
  handle(session) {
    const lines = [
      'TOP',
      'USER',
      'UIDL',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'EXPIRE NEVER',
      'LOGIN-DELAY 0',
      `SASL ${DEFAULT_MECHANISMS.join(' ')}`,
    ];
    // RFC 2595 §4: STLS only while the session is not yet secure, on a port that offers it.
    if (offersStls(session)) lines.push('STLS');
    lines.push('IMPLEMENTATION mailsandbox');
    session.sendText('+OK Capability list follows', lines);
  },
};

export function offersStls(session: Parameters<CommandSpec['handle']>[0]): boolean {
  return (
    session.core.tls === null &&
    session.core.listener.tls === 'starttls' &&
    session.state.kind === 'authorization'
  );
}
