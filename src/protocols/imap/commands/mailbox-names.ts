import { MailStore, StoreError } from '../../../store/mail-store.js';
import { HIERARCHY_DELIMITER } from '../../../store/types.js';
import { no } from '../errors.js';
import { mailboxFromClient } from '../mailbox-encoding.js';
import { astring } from '../parser/args.js';
import type { Token } from '../parser/tokenizer.js';
import type { ImapSession } from '../session.js';

/** A store failure as the NO the client should see (RFC 5530 response codes). */
export function storeFailure(err: unknown): never {
  if (err instanceof StoreError) throw no(err.message, err.code === 'CANNOT' ? 'CANNOT' : err.code);
  throw err;
}

/** The store's name for a client's mailbox name: `INBOX` in any case, no trailing delimiter. */
export function mailboxName(name: string): string {
  const trimmed = name.endsWith(HIERARCHY_DELIMITER) ? name.slice(0, -1) : name;
  return MailStore.normalizeName(trimmed);
}

/** `a/b/c` → `a`, `a/b` (the levels above a name). */
export function parentsOf(name: string): string[] {
  const parts = name.split(HIERARCHY_DELIMITER);
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join(HIERARCHY_DELIMITER));
}

/** A mailbox name argument → the store's name: astring, modified UTF-7 decoded (RFC 3501 §5.1.3) unless
 *  UTF8=ACCEPT is on, `INBOX` in any case, no trailing delimiter. */
export function mailboxArg(imap: ImapSession, token: Token | undefined, what = 'a mailbox name'): string {
  return mailboxName(mailboxFromClient(imap, astring(token, what)));
}
