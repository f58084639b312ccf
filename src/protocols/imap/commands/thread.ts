import { offers } from '../capabilities.js';
import { SELECTED, type CommandSpec } from '../command.js';
import { bad } from '../errors.js';
import { atomArg } from '../parser/args.js';
import { runSearch } from '../search-run.js';
import { threadList, threadOrderedSubject, threadReferences } from '../thread.js';
import { searchKey } from './search.js';
import { charsetArg } from './sort.js';

const ALGORITHMS = { ORDEREDSUBJECT: threadOrderedSubject, REFERENCES: threadReferences };

/** RFC 5256 §4 THREAD / UID THREAD: the algorithms CAPABILITY names as THREAD=…. */
export const thread: CommandSpec = {
  states: SELECTED,
  args: [3, Infinity],
  holdsExpunge: true,
  handle({ imap, args, uid }) {
    const { view } = imap.selected;
    const name = atomArg(args[0], 'a threading algorithm').toUpperCase();
    if (!(name in ALGORITHMS) || !offers(imap, `THREAD=${name}`))
      throw bad(`unknown threading algorithm ${args[0]?.type === 'atom' ? args[0].value : ''}`);
    charsetArg(args[1]);
    const hits = runSearch(view, searchKey(imap, args.slice(2)));
    const roots = ALGORITHMS[name as keyof typeof ALGORITHMS](hits);
    imap.untagged(roots.length ? `THREAD ${threadList(roots, uid)}` : 'THREAD');
  },
};
