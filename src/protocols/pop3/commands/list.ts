import type { MaildropSnapshot } from '../maildrop.js';
import type { CommandSpec } from '../registry.js';
import { listing } from './listing.js';

/** RFC 1939 §5 LIST [msg]: `number size` for one message, or for all not marked as deleted. */
export const list: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 1 },
  handle(session, [arg]) {
    const heading = (maildrop: MaildropSnapshot) => {
      const { count, size } = maildrop.stat();
      return `${count} messages (${size} octets)`;
    };
    listing(session, arg, heading, (e) => e.size);
  },
};
