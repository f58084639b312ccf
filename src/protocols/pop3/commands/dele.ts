import type { CommandSpec } from '../registry.js';

/** RFC 1939 §5 DELE msg: only marks; the message goes at QUIT, in the UPDATE state. */
export const dele: CommandSpec = {
  states: ['transaction'],
  args: { min: 1, max: 1 },
  handle(session, [arg]) {
    const { maildrop } = session.transaction();
    const found = maildrop.find(arg!);
    if (!found.ok) return session.fail(found.error);
    maildrop.markDeleted(found.entry);
    session.ok(`message ${found.entry.number} marked deleted`);
  },
};
