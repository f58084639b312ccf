import type { CommandSpec } from '../registry.js';
import { listing } from './listing.js';

/**
 * RFC 1939 §7 UIDL [msg]: the unique id is the store's message id (printable ASCII, stable across
 * sessions, and across restarts with --maildir where it is the file's base name).
 */
export const uidl: CommandSpec = {
  states: ['transaction'],
  args: { min: 0, max: 1 },
  handle(session, [arg]) {
    listing(
      session,
      arg,
      () => 'unique-id listing follows',
      (e) => e.message.id,
    );
  },
};
