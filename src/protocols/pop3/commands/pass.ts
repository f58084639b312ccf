import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';

/**
 * RFC 1939 §7 PASS: the password is the rest of the line (it may contain spaces). It is shown as typed
 * in the transcript — this is a sandbox, seeing what the client sent is the point.
 */
export const pass: CommandSpec = {
  states: ['authorization'],
  args: { min: 1, max: 1, rest: true },
  async handle(session, [password]) {
    const { state } = session;
    if (session.loginNeedsTls) return session.fail(errors.auth('TLS is required first: send STLS'));
    if (state.kind !== 'authorization' || state.user === null)
      return session.fail(errors.protocol('send USER first'));
    // RFC 1939 §7: after a failed PASS the client starts again with USER.
    session.state = { kind: 'authorization', user: null };
    if (session.refusedByPolicy('USER/PASS', state.user)) return;
    await session.login(
      { mechanism: 'PLAIN', authzid: '', username: state.user, password: password! },
      'USER/PASS',
    );
  },
};
