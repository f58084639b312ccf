import { errors } from '../replies.js';
import { dotStuff, topOf } from '../multiline.js';
import { bodyOf } from '../maildrop.js';
import type { CommandSpec } from '../registry.js';

/**
 * RFC 1939 §7 TOP msg n: the header, the blank line and n lines of the body. RFC 1939 requires n;
 * the article's server answered `TOP 7214` without it, so we do too, as n = 0, and say so.
 */
export const top: CommandSpec = {
  states: ['transaction'],
  args: { min: 1, max: 2 },
  async handle(session, [arg, count]) {
    const found = session.transaction().maildrop.find(arg!);
    if (!found.ok) return session.fail(found.error);
    let lines = 0;
    if (count === undefined) {
      session.core.note('info', 'TOP without a line count (RFC 1939 §7 requires one): sending 0 body lines');
    } else if (/^[0-9]{1,9}$/.test(count)) {
      lines = Number(count);
    } else {
      return session.fail(errors.protocol('the line count must be a non-negative number'));
    }
    const args = count === undefined ? arg : `${arg} ${count}`;
    if ((await session.ask('retr', { command: 'TOP', args })) === 'stop') return;
    const body = bodyOf(found.entry);
    if (!body.ok) return session.fail(body.error);
    await session.sendMessage('+OK top of message follows', dotStuff(topOf(body.raw, lines)));
  },
};
