import type { Folder } from '../../../store/types.js';
import { offers, requireCapability } from '../capabilities.js';
import { AUTHENTICATED, type CommandSpec } from '../command.js';
import { wireText } from '../compose.js';
import { bad, no } from '../errors.js';
import type { MailboxView } from '../mailbox-view.js';
import { listArg } from '../parser/args.js';
import { unclaimedCount } from '../recent.js';
import { mailboxToClient } from '../mailbox-encoding.js';
import { mailboxArg } from './mailbox-names.js';
import type { Token } from '../parser/tokenizer.js';
import type { ImapSession } from '../session.js';
import { enableCondstore } from '../sync.js';
import { reportedModseq } from '../sync-faults.js';

/** The `* STATUS name (...)` response for a folder (RFC 3501 §6.3.10, STATUS=SIZE of RFC 8438); LIST-STATUS
 *  (RFC 5819) sends the same after each LIST line. */
export function statusResponse(imap: ImapSession, folder: Folder, items: Token[]): string {
  const out: string[] = [];
  for (const item of items) {
    const key = item.type === 'atom' ? item.value.toUpperCase() : '';
    switch (key) {
      case 'MESSAGES':
        out.push(`MESSAGES ${folder.messages.length}`);
        break;
      case 'RECENT':
        // Messages no session has claimed yet; of the selected mailbox, this session's view (Dovecot).
        out.push(`RECENT ${selectedView(imap, folder.name)?.recentCount ?? unclaimedCount(folder)}`);
        break;
      case 'UIDNEXT':
        out.push(`UIDNEXT ${folder.uidNext}`);
        break;
      case 'UIDVALIDITY':
        out.push(`UIDVALIDITY ${folder.uidValidity}`);
        break;
      case 'UNSEEN':
        out.push(`UNSEEN ${folder.messages.filter((m) => !m.flags.has('\\Seen')).length}`);
        break;
      case 'HIGHESTMODSEQ':
        // RFC 7162 §3.1.2.2; a CONDSTORE enabling command (§3.1).
        enableCondstore(imap, 'HIGHESTMODSEQ');
        out.push(`HIGHESTMODSEQ ${reportedModseq(imap.session, folder.highestModseq)}`);
        break;
      case 'APPENDLIMIT':
        // RFC 7889 §4: the same limit for every mailbox.
        requireCapability(imap, `APPENDLIMIT=${imap.ctx.limits.maxMessageBytes}`, 'APPENDLIMIT');
        out.push(`APPENDLIMIT ${imap.ctx.limits.maxMessageBytes}`);
        break;
      case 'DELETED':
      case 'DELETED-STORAGE': {
        // RFC 9051 §6.3.11, RFC 9208 §4.2.1: the \Deleted messages, by count or in KiB.
        const deleted = folder.messages.filter((m) => m.flags.has('\\Deleted'));
        const bytes = deleted.reduce((n, m) => n + m.size, 0);
        out.push(
          key === 'DELETED' ? `DELETED ${deleted.length}` : `DELETED-STORAGE ${Math.ceil(bytes / 1024)}`,
        );
        break;
      }
      case 'SIZE':
        if (!offers(imap, 'STATUS=SIZE')) throw bad('unknown STATUS item SIZE');
        out.push(`SIZE ${folder.messages.reduce((n, m) => n + m.size, 0)}`);
        break;
      default:
        throw bad(`unknown STATUS item ${item.type === 'atom' ? item.value : '(list)'}`);
    }
  }
  return `STATUS ${wireText(mailboxToClient(imap, folder.name))} (${out.join(' ')})`;
}

/** RFC 3501 §6.3.10 */
export const status: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 2],
  async handle({ imap, args }) {
    const name = mailboxArg(imap, args[0]);
    const items = listArg(args[1], 'status items');
    const folder = await imap.ctx.store.folder(imap.account.drop, name);
    if (!folder) throw no(`no mailbox named ${name}`, 'NONEXISTENT');
    imap.untagged(statusResponse(imap, folder, items));
  },
};

function selectedView(imap: ImapSession, folder: string): MailboxView | null {
  const state = imap.state;
  return state.kind === 'selected' && state.view.folder === folder && !state.view.vanished
    ? state.view
    : null;
}
