import { AUTHENTICATED, REPLIED, type CommandSpec } from '../command.js';
import { compressionOf, startCompression } from '../compress.js';
import { bad, no } from '../errors.js';
import { atomArg } from '../parser/args.js';

/** RFC 4978 §3: `COMPRESS DEFLATE`; the OK goes out plain, everything after it deflated. */
export const compress: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, 1],
  handle({ imap, tag, args }): typeof REPLIED {
    const mechanism = atomArg(args[0], 'a compression mechanism').toUpperCase();
    if (mechanism !== 'DEFLATE') throw bad(`unknown compression mechanism ${mechanism}`);
    if (compressionOf(imap.session)) throw no('DEFLATE is already active', 'COMPRESSIONACTIVE');
    imap.send(`${tag} OK DEFLATE active`);
    startCompression(imap.session);
    return REPLIED;
  },
};
