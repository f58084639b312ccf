import type { StoreChange } from '../../store/types.js';
import type { MailboxView } from './mailbox-view.js';
import { contextUpdates, sequenceNumbers } from './search-context.js';
import type { ImapSession } from './session.js';

/*
 * What other sessions change in the selected mailbox reaches this one as untagged updates (RFC 3501
 * §7.3.1, §7.4.1): at the end of a command, or at once during IDLE (RFC 2177).
 */

/** A change in the store: the selected view notes it, and during IDLE it goes out at once. */
export function onStoreChange(imap: ImapSession, change: StoreChange): void {
  if (imap.state.kind !== 'selected') return;
  const { drop, view } = imap.state;
  if (change.maildrop !== drop || change.folder !== view.folder || view.vanished) return;
  if (!view.observe(change) || !imap.idling) return;
  if (view.vanished) byeVanished(imap, view);
  else flushUpdates(imap, true);
}

/** Sends what other sessions changed in the selected mailbox (RFC 3501 §7.3.1, §7.4.1). */
export function flushUpdates(imap: ImapSession, allowExpunge: boolean): void {
  if (imap.state.kind !== 'selected' || imap.state.view.vanished) return;
  const { view } = imap.state;
  // RFC 5267 §4.3: updating SEARCH/SORT contexts hear REMOVEFROM before the expunges, ADDTO after.
  const before = sequenceNumbers(view);
  const lines = view.flush(allowExpunge);
  const context = before ? contextUpdates(view, before) : null;
  for (const line of context?.removals ?? []) imap.send(line);
  for (const line of lines) imap.send(line);
  for (const line of context?.additions ?? []) imap.send(line);
}

/**
 * Another session deleted or renamed the selected mailbox. Dovecot 2.3 hangs up at the next command
 * that uses it (at once during IDLE) with this BYE; RFC 3501 leaves it to the server (§6.3.4 only
 * allows deleting it).
 */
export function byeVanished(imap: ImapSession, view: MailboxView): void {
  const vanished = view.vanished;
  const how = vanished?.kind === 'renamed' ? `renamed to ${vanished.to}` : 'deleted';
  imap.session.note('warn', `the selected mailbox ${view.folder} was ${how}`);
  // Dovecot's two texts: its own DELETE, or a change made by another session.
  if (vanished?.kind === 'deleted' && vanished.bySelf)
    imap.send('* BYE Selected mailbox was deleted, have to disconnect.');
  else imap.send('* BYE IMAP session state is inconsistent, please relogin.');
  imap.session.close(`selected mailbox ${view.folder} was ${how}`);
}

/** IDLE (RFC 2177): updates go out as they happen until the client says DONE. */
export async function idle(imap: ImapSession): Promise<Buffer | null> {
  imap.idling = true;
  // RFC 2177 §3: clients stay in IDLE for up to 29 minutes, far longer than the idle timeout.
  const socket = imap.session.socket;
  socket.setTimeout(imap.ctx.limits.imapIdleTimeoutMs);
  try {
    const done = imap.nextLine();
    imap.send('+ idling');
    flushUpdates(imap, true);
    // The `idle` decision plays while the client waits (a BYE two seconds in), not before `+ idling`.
    imap
      .consult('idle', '*', { command: 'IDLE' }, () => imap.idling && !imap.session.closed)
      .catch((err: Error) => imap.session.note('error', `scenario at IDLE: ${err.message}`));
    return await done;
  } finally {
    imap.idling = false;
    if (!imap.session.closed) socket.setTimeout(imap.ctx.limits.idleTimeoutMs);
  }
}
