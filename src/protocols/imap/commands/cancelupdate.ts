import { offers } from '../capabilities.js';
import { SELECTED, type CommandSpec } from '../command.js';
import { quote } from '../compose.js';
import { bad } from '../errors.js';
import { cancelUpdateContexts } from '../search-context.js';

/** RFC 5267 §4.3.5: `CANCELUPDATE "tag" ...` ends the updates of the searches with those tags. It
 *  belongs to CONTEXT=SEARCH and CONTEXT=SORT alike, so it is there while either is offered. */
export const cancelUpdate: CommandSpec = {
  states: SELECTED,
  args: [1, Infinity],
  whenVanished: 'run',
  handle({ imap, args }) {
    if (!offers(imap, 'CONTEXT=SEARCH') && !offers(imap, 'CONTEXT=SORT'))
      throw bad('unknown command CANCELUPDATE');
    // §5: `"CANCELUPDATE" 1*(SP quoted)`.
    const tags = args.map((a) => {
      if (a.type !== 'string' || a.literal) throw bad('CANCELUPDATE takes quoted tags');
      return a.value.toString('utf8');
    });
    const unknown = cancelUpdateContexts(imap.selected.view, tags);
    // Dovecot answers an unknown tag with BAD; RFC 5267 does not say.
    if (unknown !== null) throw bad(`no updating search has the tag ${quote(unknown)}`);
  },
};
