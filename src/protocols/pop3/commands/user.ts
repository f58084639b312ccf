import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';

/** RFC 1939 §7 USER: remember the name; PASS must follow. The name is the rest of the line. */
export const user: CommandSpec = {
  states: ['authorization'],
  args: { min: 1, max: 1, rest: true },
  handle(session, [name]) {
    if (session.loginNeedsTls) return session.fail(errors.auth('TLS is required first: send STLS'));
    session.state = { kind: 'authorization', user: name! };
    session.ok('please send the PASS');
  },
};
