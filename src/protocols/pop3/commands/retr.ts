import { dotStuff } from '../multiline.js';
import { bodyOf } from '../maildrop.js';
import type { CommandSpec } from '../registry.js';

/** RFC 1939 §5 RETR msg: the whole message, dot-stuffed. Retrieving changes nothing in the store. */
export const retr: CommandSpec = {
  states: ['transaction'],
  args: { min: 1, max: 1 },
  async handle(session, [arg]) {
    const { maildrop } = session.transaction();
    const found = maildrop.find(arg!);
    if (!found.ok) return session.fail(found.error);
    const { entry } = found;
    if ((await session.ask('retr', { command: 'RETR', args: arg })) === 'stop') return;
    const body = bodyOf(entry);
    if (!body.ok) return session.fail(body.error);
    // entry.size is the CRLF size of these bytes: dotStuff skips its walk over the lines.
    await session.sendMessage(`+OK ${entry.size} octets`, dotStuff(body.raw, entry.size));
    if (!session.core.closed) maildrop.readAhead(entry);
  },
};
