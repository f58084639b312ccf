import type { CommandSpec } from '../registry.js';

/** RFC 1939 §5 NOOP. */
export const noop: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 0 },
  handle(session) {
    session.ok('');
  },
};
