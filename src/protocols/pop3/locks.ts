import type { MailStore } from '../../store/mail-store.js';

/**
 * RFC 1939 §8: a POP3 server locks the maildrop for the whole TRANSACTION state, so two sessions never
 * hand out the same message numbers for a changing list. One lock set per store, shared by every POP3
 * listener (110 and 995 lock each other out); IMAP does not take these locks.
 */
const held = new WeakMap<MailStore, Set<string>>();

/** Takes the lock of `maildrop`; returns its release function (safe to call twice), or null if held. */
export function tryLockMaildrop(store: MailStore, maildrop: string): (() => void) | null {
  let locks = held.get(store);
  if (!locks) {
    locks = new Set();
    held.set(store, locks);
  }
  if (locks.has(maildrop)) return null;
  locks.add(maildrop);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    locks.delete(maildrop);
  };
}
