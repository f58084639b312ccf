import type { CommandSpec } from '../registry.js';

/** RFC 1939 §5 RSET: unmark every message marked as deleted in this session. */
export const rset: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 0 },
  handle(session) {
    const { maildrop } = session.transaction();
    maildrop.reset();
    const { count, size } = maildrop.stat();
    session.ok(`maildrop has ${count} messages (${size} octets)`);
  },
};
