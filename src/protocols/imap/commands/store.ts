import { SELECTED, type CommandSpec } from '../command.js';
import { bad, no } from '../errors.js';
import { atomArg, flagListArg, listArg } from '../parser/args.js';
import { compactSet, parseSequenceSet } from '../parser/sequence-set.js';
import type { Token } from '../parser/tokenizer.js';
import { enableCondstore, modseqArg } from '../sync.js';
import type { CommandContext } from '../command.js';

/** `(UNCHANGEDSINCE n)` before the item (RFC 7162 §3.1.3); null without it. */
function unchangedSince(c: CommandContext, token: Token | undefined): number | null {
  const list = listArg(token, 'STORE modifiers');
  let value: number | null = null;
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    const name = t.type === 'atom' ? t.value.toUpperCase() : '';
    if (name !== 'UNCHANGEDSINCE') throw bad(`unknown STORE modifier ${name || '(list)'}`);
    enableCondstore(c.imap, 'UNCHANGEDSINCE');
    value = modseqArg(list[++i], 'UNCHANGEDSINCE', true);
  }
  return value;
}

/** RFC 3501 §6.4.6: FLAGS, +FLAGS, -FLAGS, each with .SILENT; RFC 7162 §3.1.3 UNCHANGEDSINCE. */
export const store: CommandSpec = {
  states: SELECTED,
  args: [3, Infinity],
  holdsExpunge: true,
  whenVanished: 'no',
  async handle(c) {
    const { imap, uid } = c;
    let args = c.args;
    const { drop, view } = imap.selected;
    const set = parseSequenceSet(atomArg(args[0], 'a sequence set'));
    const since = args[1]?.type === 'list' ? unchangedSince(c, args[1]) : null;
    if (args[1]?.type === 'list') args = [args[0]!, ...args.slice(2)];
    if (args.length < 3) throw bad('STORE needs a sequence set, an item and flags');
    const item = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(atomArg(args[1], 'FLAGS, +FLAGS or -FLAGS'));
    if (!item) throw bad('expected FLAGS, +FLAGS or -FLAGS (optionally .SILENT)');
    const flags = flagListArg(args.slice(2));
    if (view.readOnly) throw no('mailbox is read-only', 'READ-ONLY');
    const silent = !!item[2];
    const modified: number[] = [];
    const lines: string[] = [];
    for (const { seq, message } of view.resolve(set, uid)) {
      // RFC 7162 §3.1.3: a message changed since the client's modseq is left alone and reported in
      // [MODIFIED] (sequence numbers for STORE, UIDs for UID STORE).
      if (since !== null && message.modseq > since) {
        modified.push(uid ? message.uid : seq);
        continue;
      }
      let next: Set<string>;
      if (item[1] === '+') next = new Set([...message.flags, ...flags]);
      else if (item[1] === '-') next = new Set([...message.flags].filter((f) => !flags.includes(f)));
      else next = new Set(flags);
      const before = message.modseq;
      await imap.ctx.store.setFlags(drop, view.folder, message, next);
      view.reported(message.uid);
      const uidText = uid || view.sync.qresync ? `UID ${message.uid} ` : '';
      // RFC 3501 §6.4.6: the new flags come back as untagged FETCH unless .SILENT; with UID STORE the
      // UID is included (§6.4.8). RFC 7162 §3.1.3: with CONDSTORE on, MODSEQ too, and a .SILENT store
      // that changed the message still reports its new MODSEQ.
      if (!silent)
        lines.push(`* ${seq} FETCH (${uidText}FLAGS ${view.flagsText(message)}${view.modseqText(message)})`);
      else if (view.sync.condstore && message.modseq !== before)
        lines.push(`* ${seq} FETCH (${uidText}MODSEQ (${message.modseq}))`);
    }
    // A keyword new to the mailbox is announced before the FETCH that carries it (RFC 3501 §7.2.6).
    for (const line of [...view.keywordLines(), ...lines]) imap.send(line);
    if (modified.length) return `[MODIFIED ${compactSet(modified)}] Conditional STORE failed`;
  },
};
