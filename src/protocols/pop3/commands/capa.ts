import { startTlsOffered } from '../../../core/starttls.js';
import type { CommandSpec } from '../registry.js';
import type { Pop3Session } from '../session.js';

/** RFC 2449 §5 CAPA: what this server does, valid before and after login. */
export const capa: CommandSpec = {
  states: ['authorization', 'transaction'],
  args: { min: 0, max: 0 },
  handle(session) {
    const lines = ['TOP'];
    // RFC 2595 §4: a server that refuses plaintext USER/PASS does not list USER before TLS; nor
    // when a scenario's mechanisms leave out PLAIN (RFC 2449 §6.8: USER means USER/PASS work).
    if (!session.loginNeedsTls && session.authPolicy().plaintext) lines.push('USER');
    lines.push('UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'LOGIN-DELAY 0');
    const { advertised } = session.authPolicy();
    if (advertised.length) lines.push(`SASL ${advertised.join(' ')}`);
    // RFC 2595 §4: STLS only while the session is not yet secure, on a port that offers it.
    if (offersStls(session)) lines.push('STLS');
    lines.push('IMPLEMENTATION mailsandbox');
    session.sendText('+OK Capability list follows', session.scenario.capabilities(lines));
  },
};

/** STLS is usable: AUTHORIZATION, a STARTTLS port, not yet secure, and no scenario hiding it. */
export function offersStls(session: Pop3Session): boolean {
  return session.state.kind === 'authorization' && startTlsOffered(session.core, session.scenario.starttls);
}
