import { SELECTED, type CommandSpec } from '../command.js';
import { no } from '../errors.js';
import { atomArg } from '../parser/args.js';
import { parseSequenceSet } from '../parser/sequence-set.js';

/** RFC 3501 §6.4.3, and UID EXPUNGE (RFC 4315 §2.1) limited to a UID set. The `* n EXPUNGE` lines
 *  come from the store's change events, flushed by the dispatcher like any other session's. */
export const expunge: CommandSpec = {
  states: SELECTED,
  args: [0, 1],
  whenVanished: 'no',
  async handle({ imap, args, uid }) {
    const { drop, view } = imap.selected;
    if (view.readOnly) throw no('mailbox is read-only', 'READ-ONLY');
    let candidates = view.messages;
    if (uid) {
      if (!args[0]) throw no('UID EXPUNGE needs a UID set');
      candidates = view.resolve(parseSequenceSet(atomArg(args[0], 'a UID set')), true).map((s) => s.message);
    } else if (args.length) throw no('EXPUNGE takes no arguments');
    const deleted = candidates.filter((m) => m.flags.has('\\Deleted')).map((m) => m.uid);
    if (deleted.length) await imap.ctx.store.expunge(drop, view.folder, deleted);
    // RFC 7162 §3.2.10 (as Dovecot answers): a QRESYNC client learns the new HIGHESTMODSEQ right away.
    if (view.sync.qresync)
      return `[HIGHESTMODSEQ ${view.highestModseq}] ${uid ? 'UID EXPUNGE' : 'EXPUNGE'} completed`;
  },
};
