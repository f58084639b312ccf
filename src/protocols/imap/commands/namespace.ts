import { AUTHENTICATED, type CommandSpec } from '../command.js';

/** RFC 2342: one personal namespace, no prefix, `/` as delimiter; no other users', no shared. */
export const namespace: CommandSpec = {
  states: AUTHENTICATED,
  args: [0, 0],
  handle({ imap }) {
    imap.untagged('NAMESPACE (("" "/")) NIL NIL');
  },
};
