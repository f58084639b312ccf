import type { Folder } from './types.js';

/**
 * How many expunged UIDs a folder remembers for QRESYNC (RFC 7162 §3.2.5.1 VANISHED (EARLIER)). A client
 * that last synced before the oldest remembered expunge is not told less: it gets every UID of its range
 * that is no longer in the mailbox (`ExpungeLog.since` answers null and the caller computes that), which
 * §3.2.10 allows (a VANISHED UID set may name UIDs the client never saw). 10,000 entries cost about
 * 160 KB per folder at most.
 */
export const EXPUNGE_LOG_LIMIT = 10_000;

/** Recently expunged UIDs with the modseq of their expunge, oldest first. */
export class ExpungeLog {
  private uids: number[] = [];
  private modseqs: number[] = [];
  /** The highest modseq of an entry dropped to stay within the limit (0: nothing dropped yet). */
  floor = 0;

  constructor(private readonly limit = EXPUNGE_LOG_LIMIT) {}

  record(uids: readonly number[], modseq: number): void {
    for (const uid of uids) {
      this.uids.push(uid);
      this.modseqs.push(modseq);
    }
    const over = this.uids.length - this.limit;
    if (over > 0) {
      this.floor = this.modseqs[over - 1]!;
      this.uids.splice(0, over);
      this.modseqs.splice(0, over);
    }
  }

  /** UIDs expunged with a modseq above `modseq`, ascending; null when the log no longer reaches back
   *  that far (entries after `modseq` were dropped). */
  since(modseq: number): number[] | null {
    if (modseq < this.floor) return null;
    const out: number[] = [];
    for (let i = this.modseqs.length - 1; i >= 0 && this.modseqs[i]! > modseq; i--) out.push(this.uids[i]!);
    return out.sort((a, b) => a - b);
  }

  /** `[[uid, modseq], ...]` plus the floor, for the Maildir state file. */
  toJSON(): { floor: number; entries: [number, number][] } {
    return { floor: this.floor, entries: this.uids.map((uid, i) => [uid, this.modseqs[i]!]) };
  }

  static fromJSON(data: { floor?: number; entries?: [number, number][] } | undefined): ExpungeLog {
    const log = new ExpungeLog();
    for (const [uid, modseq] of data?.entries ?? []) log.record([uid], modseq);
    log.floor = Math.max(log.floor, data?.floor ?? 0);
    return log;
  }
}

/** A folder with nothing in it yet: HIGHESTMODSEQ starts at 1 (RFC 7162 §3.1.1: mod-sequences are
 *  positive), no keywords, no expunges remembered. */
export function newFolder(
  init: Pick<Folder, 'name' | 'uidValidity' | 'subscribed' | 'specialUse'> & Partial<Folder>,
): Folder {
  return {
    uidNext: 1,
    messages: [],
    highestModseq: 1,
    keywords: new Set(),
    expunged: new ExpungeLog(),
    ...init,
  };
}

/** The next mod-sequence of the folder: strictly increasing per mailbox (RFC 7162 §3.1.1). */
export function nextModseq(folder: Folder): number {
  return ++folder.highestModseq;
}

/** Remembers the keywords of `flags` as the folder's: they are announced in `* FLAGS` before any
 *  FETCH carries them (RFC 3501 §7.2.6). */
export function noteKeywords(folder: Folder, flags: Iterable<string>): void {
  for (const flag of flags) if (!flag.startsWith('\\')) folder.keywords.add(flag);
}
