import type { CommandSpec } from '../registry.js';

/** RFC 1939 §5 LIST [msg]: `number size` for one message, or for all not marked as deleted. */
export const list: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 1 },
  handle(session, [arg]) {
    const { maildrop } = session.transaction();
    if (arg === undefined) {
      const { count, size } = maildrop.stat();
      const lines = maildrop.visible().map((e) => `${e.number} ${e.size}`);
      return session.sendText(`+OK ${count} messages (${size} octets)`, lines);
    }
    const found = maildrop.find(arg);
    if (!found.ok) return session.fail(found.error);
    session.ok(`${found.entry.number} ${found.entry.size}`);
  },
};
