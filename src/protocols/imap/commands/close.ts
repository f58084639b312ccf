import { SELECTED, type CommandSpec } from '../command.js';

/** RFC 3501 §6.4.2: deleted messages go silently (no EXPUNGE responses), back to authenticated. */
export const close: CommandSpec = {
  states: SELECTED,
  args: [0, 0],
  async handle({ imap }) {
    const { drop, view } = imap.selected;
    imap.deselect();
    if (view.readOnly) return;
    const deleted = view.messages.filter((m) => m.flags.has('\\Deleted')).map((m) => m.uid);
    if (deleted.length) await imap.ctx.store.expunge(drop, view.folder, deleted);
  },
};
