import { offers } from '../capabilities.js';
import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { acceptUtf8, utf8Accepted } from '../mailbox-encoding.js';
import { syncOf } from '../sync.js';

/**
 * RFC 5161: switches on what the client names and this session offers; `* ENABLED` lists what was newly
 * enabled (§3.2), unknown names are ignored. QRESYNC implies CONDSTORE (RFC 7162 §3.2.3).
 */
export const enable: CommandSpec = {
  states: AUTHENTICATED,
  args: [1, Infinity],
  handle({ imap, args }) {
    const sync = syncOf(imap);
    const enabled: string[] = [];
    for (const arg of args) {
      const name = arg.type === 'atom' ? arg.value.toUpperCase() : '';
      if (name === 'CONDSTORE' && offers(imap, 'CONDSTORE') && !sync.condstore) {
        sync.condstore = true;
        enabled.push('CONDSTORE');
      } else if (name === 'UTF8=ACCEPT' && offers(imap, 'UTF8=ACCEPT') && !utf8Accepted(imap)) {
        // RFC 6855 §3: mailbox names in UTF-8 both ways from now on.
        acceptUtf8(imap);
        enabled.push('UTF8=ACCEPT');
      } else if (name === 'QRESYNC' && offers(imap, 'QRESYNC') && !sync.qresync) {
        sync.qresync = true;
        sync.condstore = true;
        enabled.push('QRESYNC');
      }
    }
    imap.untagged(enabled.length ? `ENABLED ${enabled.join(' ')}` : 'ENABLED');
  },
};
