/**
 * Flag sets shared between messages. A message's `flags` is replaced, never changed in place
 * (MailStore.setFlags), so messages with the same flags can hold one set: a Set of its own per message
 * costs ~150 bytes even empty, 15 MB over 100,000 messages, where most carry none or `\Seen` alone.
 */
const shared = new Map<string, ReadonlySet<string>>();

/** Beyond this many distinct flag combinations a set is no longer shared (keywords are the client's,
 *  so the combinations are unbounded): the table stays small and a set of its own costs what it did. */
const MAX_SHARED = 1024;

class SharedFlagSet extends Set<string> {
  private sealed = false;

  constructor(flags: Iterable<string>) {
    super(flags);
    this.sealed = true;
  }

  override add(flag: string): this {
    if (this.sealed) throw new TypeError('a shared flag set is read-only: replace the set instead');
    return super.add(flag);
  }

  override delete(): boolean {
    throw new TypeError('a shared flag set is read-only: replace the set instead');
  }

  override clear(): void {
    throw new TypeError('a shared flag set is read-only: replace the set instead');
  }
}

/** A read-only set of `flags`, shared with every message that has the same ones. */
export function flagSet(flags: Iterable<string>): ReadonlySet<string> {
  // In the order given: FETCH FLAGS lists them as they were set.
  const list = [...new Set(flags)];
  const key = list.join(' ');
  let set = shared.get(key);
  if (!set) {
    set = new SharedFlagSet(list);
    if (shared.size < MAX_SHARED) shared.set(key, set);
  }
  return set;
}
