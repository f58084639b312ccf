import type { CommandSpec } from '../registry.js';

/** RFC 1939 §5 STAT: `+OK count octets` of the messages not marked as deleted. */
export const stat: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 0 },
  handle(session) {
    const { count, size } = session.transaction().maildrop.stat();
    session.ok(`${count} ${size}`);
  },
};
