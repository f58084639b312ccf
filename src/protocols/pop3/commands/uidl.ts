import type { CommandSpec } from '../registry.js';

/**
 * RFC 1939 §7 UIDL [msg]: the unique id is the store's message id (printable ASCII, stable across
 * sessions, and across restarts with --maildir where it is the file's base name).
 */
export const uidl: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 1 },
  handle(session, [arg]) {
    const { maildrop } = session.transaction();
    if (arg === undefined) {
      const lines = maildrop.visible().map((e) => `${e.number} ${e.message.id}`);
      return session.sendText('+OK unique-id listing follows', lines);
    }
    const found = maildrop.find(arg);
    if (!found.ok) return session.fail(found.error);
    session.ok(`${found.entry.number} ${found.entry.message.id}`);
  },
};
