import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';

/** RFC 1939 §7 APOP name digest: digest = MD5(greeting timestamp + password), 32 hex digits. */
export const apop: CommandSpec = {
  states: ['authorization'],
  args: { min: 2, max: 2 },
  async handle(session, [name, digest]) {
    if (session.loginNeedsTls) return session.fail(errors.auth('TLS is required first: send STLS'));
    if (!/^[0-9a-fA-F]{32}$/.test(digest!))
      return session.fail(errors.protocol('APOP digest must be 32 hexadecimal digits'));
    session.state = { kind: 'authorization', user: null };
    if (session.refusedByPolicy('APOP', name!)) return;
    await session.login(
      { mechanism: 'APOP', username: name!, timestamp: session.timestamp, digest: digest! },
      'APOP',
    );
  },
};
