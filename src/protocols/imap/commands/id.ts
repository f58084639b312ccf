import { ANY_STATE, type CommandSpec } from '../command.js';
import { wireText } from '../compose.js';
import { bad } from '../errors.js';

/** RFC 2971: the client's identification goes into the transcript; the server names itself. */
export const id: CommandSpec = {
  states: ANY_STATE,
  args: [1, 1],
  handle({ imap, args }) {
    const arg = args[0]!;
    if (arg.type === 'list') {
      const values = arg.items.map((t) => (t.type === 'list' ? '(list)' : t.value.toString()));
      const pairs: string[] = [];
      for (let i = 0; i + 1 < values.length; i += 2)
        pairs.push(`${values[i]}=${JSON.stringify(values[i + 1])}`);
      imap.session.note('info', `client ID: ${pairs.join(' ')}`);
    } else if (!(arg.type === 'atom' && arg.value.toUpperCase() === 'NIL'))
      throw bad('ID takes a list or NIL');
    imap.untagged(`ID ${wireText(['name', 'mailsandbox', 'vendor', 'mailsandbox'])}`);
  },
};
