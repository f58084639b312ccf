import { offers } from '../capabilities.js';
import { SELECTED, type CommandSpec } from '../command.js';
import { bad } from '../errors.js';
import { atomArg } from '../parser/args.js';
import { runSearch } from '../search-run.js';
import type { Folder } from '../../../store/types.js';
import type { SequencedMessage } from '../mailbox-view.js';
import { threadList, threadOrderedSubject, threadReferences, type Node } from '../thread.js';
import { searchKey } from './search.js';
import { charsetArg } from './sort.js';

const ALGORITHMS = { ORDEREDSUBJECT: threadOrderedSubject, REFERENCES: threadReferences };

interface Threaded {
  algorithm: string;
  hits: SequencedMessage[];
  roots: Node[];
}

/**
 * The last threads of each mailbox. Messages never change, so the same messages at the same sequence
 * numbers thread the same way: a client that asks again (every refresh, every new session) gets the tree
 * built before, as Dovecot answers from its thread index. A new, expunged or unmatched message misses.
 */
const lastThreads = new WeakMap<Folder, Threaded>();

function sameHits(a: SequencedMessage[], b: SequencedMessage[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i]!.message !== b[i]!.message || a[i]!.seq !== b[i]!.seq) return false;
  return true;
}

/** RFC 5256 §4 THREAD / UID THREAD: the algorithms CAPABILITY names as THREAD=…. */
export const thread: CommandSpec = {
  states: SELECTED,
  args: [3, Infinity],
  holdsExpunge: true,
  async handle({ imap, args, uid }) {
    const { drop, view } = imap.selected;
    const name = atomArg(args[0], 'a threading algorithm').toUpperCase();
    if (!(name in ALGORITHMS) || !offers(imap, `THREAD=${name}`))
      throw bad(`unknown threading algorithm ${args[0]?.type === 'atom' ? args[0].value : ''}`);
    charsetArg(args[1]);
    const hits = runSearch(view, searchKey(imap, args.slice(2)));
    const folder = await imap.ctx.store.folder(drop, view.folder);
    const last = folder && lastThreads.get(folder);
    let roots: Node[];
    if (last && last.algorithm === name && sameHits(last.hits, hits)) roots = last.roots;
    else {
      roots = ALGORITHMS[name as keyof typeof ALGORITHMS](hits);
      if (folder) lastThreads.set(folder, { algorithm: name, hits, roots });
    }
    imap.untagged(roots.length ? `THREAD ${threadList(roots, uid)}` : 'THREAD');
  },
};
