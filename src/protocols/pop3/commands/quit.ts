import { errors } from '../replies.js';
import type { CommandSpec } from '../registry.js';

/**
 * RFC 1939 §6 QUIT: from TRANSACTION the session enters UPDATE, where — and only where — the messages
 * marked by DELE leave the store. From AUTHORIZATION it just says goodbye (§4).
 */
export const quit: CommandSpec = {
  states: ['authorization', 'transaction'],
  args: { min: 0, max: 0 },
  async handle(session) {
    const { state } = session;
    if (state.kind !== 'transaction') {
      session.ok('mailsandbox signing off');
      session.core.close('client said QUIT');
      return;
    }
    session.state = { kind: 'update' };
    const uids = state.maildrop.deletedUids();
    try {
      const gone = uids.length ? await session.ctx.store.expunge(state.maildrop.maildrop, 'INBOX', uids) : [];
      if (gone.length) session.core.note('info', `UPDATE: ${gone.length} messages removed from the store`);
      state.release();
      session.ok(`mailsandbox signing off (${gone.length} messages deleted)`);
    } catch (err) {
      state.release();
      session.fail(errors.sysTemp(`some deleted messages not removed: ${(err as Error).message}`));
    }
    session.core.close('client said QUIT');
  },
};
