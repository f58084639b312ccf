import type { ListedMessage, MaildropSnapshot } from '../maildrop.js';
import type { Pop3Session } from '../session.js';

/**
 * LIST and UIDL (RFC 1939 §5, §7) answer alike: with a message number, `+OK number value` for that
 * message; without, a multi-line listing of `number value` for every message not marked as deleted.
 */
export function listing(
  session: Pop3Session,
  arg: string | undefined,
  heading: (maildrop: MaildropSnapshot) => string,
  value: (entry: ListedMessage) => string | number,
): void {
  const { maildrop } = session.transaction();
  if (arg === undefined) {
    const lines = maildrop.visible().map((e) => `${e.number} ${value(e)}`);
    return session.sendText(`+OK ${heading(maildrop)}`, lines);
  }
  const found = maildrop.find(arg);
  if (!found.ok) return session.fail(found.error);
  session.ok(`${found.entry.number} ${value(found.entry)}`);
}
