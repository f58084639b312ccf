import { SELECTED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { atomArg, flagListArg } from '../parser/args.js';
import { parseSequenceSet } from '../parser/sequence-set.js';

/** RFC 3501 §6.4.6: FLAGS, +FLAGS, -FLAGS, each with .SILENT. */
export const store: CommandSpec = {
  states: SELECTED,
  args: [3, Infinity],
  holdsExpunge: true,
  whenVanished: 'no',
  async handle({ imap, args, uid }) {
    const { drop, view } = imap.selected;
    const set = parseSequenceSet(atomArg(args[0], 'a sequence set'));
    const item = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(atomArg(args[1], 'FLAGS, +FLAGS or -FLAGS'));
    if (!item) throw bad('expected FLAGS, +FLAGS or -FLAGS (optionally .SILENT)');
    const flags = flagListArg(args.slice(2));
    if (view.readOnly) throw no('mailbox is read-only', 'READ-ONLY');
    const silent = !!item[2];
    for (const { seq, message } of view.resolve(set, uid)) {
      let next: Set<string>;
      if (item[1] === '+') next = new Set([...message.flags, ...flags]);
      else if (item[1] === '-') next = new Set([...message.flags].filter((f) => !flags.includes(f)));
      else next = new Set(flags);
      await imap.ctx.store.setFlags(drop, view.folder, message, next);
      view.reported(message.uid);
      // RFC 3501 §6.4.6: the new flags come back as untagged FETCH unless .SILENT; with UID STORE
      // the UID is included (§6.4.8).
      if (!silent)
        imap.untagged(`${seq} FETCH (${uid ? `UID ${message.uid} ` : ''}FLAGS ${view.flagsText(message)})`);
    }
  },
};
