import type { CommandSpec } from './command.js';
import { append } from './commands/append.js';
import { authenticate } from './commands/authenticate.js';
import { cancelUpdate } from './commands/cancelupdate.js';
import { capability } from './commands/capability.js';
import { close } from './commands/close.js';
import { compress } from './commands/compress.js';
import { copy, move } from './commands/copy.js';
import { create } from './commands/create.js';
import { deleteMailbox } from './commands/delete.js';
import { enable } from './commands/enable.js';
import { expunge } from './commands/expunge.js';
import { fetch } from './commands/fetch.js';
import { id } from './commands/id.js';
import { idle } from './commands/idle.js';
import { listCommand, lsub } from './commands/list.js';
import { login } from './commands/login.js';
import { logout } from './commands/logout.js';
import { namespace } from './commands/namespace.js';
import { noop } from './commands/noop.js';
import { rename } from './commands/rename.js';
import { examine, select } from './commands/select.js';
import { starttls } from './commands/starttls.js';
import { status } from './commands/status.js';
import { store } from './commands/store.js';
import { search } from './commands/search.js';
import { sort } from './commands/sort.js';
import { getquota, getquotaroot, setquota } from './commands/quota.js';
import { thread } from './commands/thread.js';
import { subscribe, unsubscribe } from './commands/subscribe.js';
import { unselect } from './commands/unselect.js';

/** Wire name → command: the table of contents of the IMAP server. `UID X` rows point at X's file.
 *  A row with a `capability` exists only while the session's CAPABILITY names it (capabilities.ts). */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  // any state (RFC 3501 §6.1)
  ['CAPABILITY', capability],
  ['NOOP', noop],
  ['LOGOUT', logout],
  ['ID', { ...id, capability: 'ID' }], // RFC 2971
  // not authenticated (§6.2)
  ['STARTTLS', starttls],
  ['AUTHENTICATE', authenticate],
  ['LOGIN', login],
  // authenticated (§6.3)
  ['SELECT', select],
  ['EXAMINE', examine],
  ['CREATE', create],
  ['DELETE', deleteMailbox],
  ['RENAME', rename],
  ['SUBSCRIBE', subscribe],
  ['UNSUBSCRIBE', unsubscribe],
  ['LIST', listCommand],
  ['LSUB', lsub],
  ['STATUS', status],
  ['APPEND', append],
  ['NAMESPACE', { ...namespace, capability: 'NAMESPACE' }], // RFC 2342
  ['ENABLE', { ...enable, capability: 'ENABLE' }], // RFC 5161
  ['IDLE', { ...idle, capability: 'IDLE' }], // RFC 2177
  ['COMPRESS', { ...compress, capability: 'COMPRESS=DEFLATE' }], // RFC 4978
  // selected (§6.4)
  ['CHECK', { ...noop, states: ['selected'] }],
  ['CLOSE', close],
  ['UNSELECT', { ...unselect, capability: 'UNSELECT' }], // RFC 3691
  ['EXPUNGE', expunge],
  ['SEARCH', search],
  ['FETCH', fetch],
  ['STORE', store],
  ['COPY', copy],
  ['MOVE', { ...move, capability: 'MOVE' }], // RFC 6851
  ['UID FETCH', fetch],
  ['UID STORE', store],
  ['UID COPY', copy],
  ['UID MOVE', { ...move, capability: 'MOVE' }],
  ['UID SEARCH', search],
  ['SORT', sort], // RFC 5256
  ['UID SORT', sort],
  ['CANCELUPDATE', cancelUpdate], // RFC 5267 §4.3.5
  ['GETQUOTA', getquota], // RFC 9208
  ['GETQUOTAROOT', getquotaroot],
  ['SETQUOTA', setquota],
  ['THREAD', thread], // RFC 5256
  ['UID THREAD', thread],
  ['UID EXPUNGE', { ...expunge, args: [1, 1], capability: 'UIDPLUS' }], // RFC 4315 §2.1
]);
