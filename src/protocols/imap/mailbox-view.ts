import type { Folder, StoreChange, StoredMessage } from '../../store/types.js';
import { bad } from './errors.js';
import { PERMANENT_SYSTEM_FLAGS } from './parser/args.js';
import {
  compactSet,
  inRanges,
  resolveRanges,
  SAVED_RESULT,
  type SequenceSet,
} from './parser/sequence-set.js';
import { takeRecent } from './recent.js';
import type { SyncState } from './sync.js';

export interface SequencedMessage {
  seq: number;
  message: StoredMessage;
}

/** Why the selected mailbox is no longer there: deleted or renamed (by another session, or RENAME here). */
export type Vanished = { kind: 'deleted'; bySelf?: boolean } | { kind: 'renamed'; to: string };

/**
 * One session's picture of its selected mailbox: the message list as this session has announced it
 * (sequence numbers are positions in it), and the changes other sessions made that it has not told
 * its client yet. RFC 3501 §7.4.1: an expunge may only be announced when no FETCH/STORE/SEARCH runs,
 * and sequence numbers must not shift under the client otherwise — so the store's changes queue here
 * until `flush`. It also holds which messages are `\Recent` in this session (recent.ts).
 */
export class MailboxView {
  readonly folder: string;
  uidValidity: number;
  messages: StoredMessage[];
  /** Set once the mailbox was deleted or renamed; the session ends at its next use (session.ts). */
  vanished: Vanished | null = null;
  /** RFC 5182: the UIDs SEARCH RETURN (SAVE) kept, `$` in later commands; gone with the selection. */
  savedResult: ReadonlySet<number> = new Set();
  private readonly recent: Set<number>;
  /** The count of the last `* n RECENT` sent: a new one goes out when it changes (as Dovecot does). */
  private announcedRecent: number;
  private added: StoredMessage[] = [];
  private expunged: number[] = [];
  private flagged = new Set<number>();
  /** How many of the folder's keywords the client was told of in `* FLAGS` (they only grow). */
  private announcedKeywords = -1;

  constructor(
    private readonly source: Folder,
    readonly readOnly: boolean,
    /** The session's RFC 7162 state: MODSEQ in untagged FETCH, VANISHED instead of EXPUNGE. */
    readonly sync: SyncState = { condstore: false, qresync: false },
  ) {
    this.folder = source.name;
    this.uidValidity = source.uidValidity;
    this.messages = [...source.messages];
    // RFC 3501 §6.3.1/§6.3.2: SELECT takes the unclaimed messages as its \Recent ones; EXAMINE shows
    // them as recent without taking them.
    this.recent = new Set(takeRecent(source, this.messages, !readOnly));
    this.announcedRecent = this.recent.size;
  }

  get exists(): number {
    return this.messages.length;
  }

  get recentCount(): number {
    return this.recent.size;
  }

  isRecent(message: StoredMessage): boolean {
    return this.recent.size > 0 && this.recent.has(message.uid);
  }

  /** `(\Seen \Recent work)`: the flags as this session shows them, `\Recent` after the system flags
   *  as Dovecot writes it. */
  flagsText(message: StoredMessage): string {
    let text = '(';
    if (!this.isRecent(message)) {
      for (const flag of message.flags) text += text.length > 1 ? ' ' + flag : flag;
      return text + ')';
    }
    const keywords: string[] = [];
    for (const flag of message.flags)
      if (flag.startsWith('\\')) text += text.length > 1 ? ' ' + flag : flag;
      else keywords.push(flag);
    text += text.length > 1 ? ' \\Recent' : '\\Recent';
    for (const keyword of keywords) text += ' ' + keyword;
    return text + ')';
  }

  /** The folder's HIGHESTMODSEQ now (RFC 7162 §3.1.2.1). */
  get highestModseq(): number {
    return this.source.highestModseq;
  }

  /** The folder this view shows (STATUS, QRESYNC's VANISHED (EARLIER)). */
  get folderState(): Folder {
    return this.source;
  }

  /**
   * `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]` with every keyword of the mailbox. RFC 3501 §7.2.6:
   * a client learns of a new keyword from FLAGS before a FETCH carries it (issue 14: `$Label1` set by
   * another session reached a FETCH first).
   */
  flagsLines(): string[] {
    this.announcedKeywords = this.source.keywords.size;
    const flags = [...PERMANENT_SYSTEM_FLAGS, ...this.source.keywords].join(' ');
    return [
      `* FLAGS (${flags})`,
      this.readOnly
        ? '* OK [PERMANENTFLAGS ()] Read-only mailbox'
        : `* OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted`,
    ];
  }

  /** The FLAGS lines when the mailbox gained keywords since the client was last told; else none. */
  keywordLines(): string[] {
    return this.source.keywords.size === this.announcedKeywords ? [] : this.flagsLines();
  }

  /** ` MODSEQ (n)` once CONDSTORE is on in this session (RFC 7162 §3.1.4), else nothing. */
  modseqText(message: StoredMessage): string {
    return this.sync.condstore ? ` MODSEQ (${message.modseq})` : '';
  }

  /** Queues a store change of this folder; returns true when something needs telling. */
  observe(change: StoreChange): boolean {
    switch (change.kind) {
      case 'exists':
        this.added.push(change.message);
        return true;
      case 'flags':
        this.flagged.add(change.message.uid);
        return true;
      case 'expunge':
        this.expunged.push(change.uid);
        return true;
      case 'uidvalidity':
        this.uidValidity = change.uidValidity;
        return false;
      case 'folders':
        return false;
      case 'deleted':
        this.vanished = { kind: 'deleted' };
        return true;
      case 'renamed':
        this.vanished = { kind: 'renamed', to: change.to };
        return true;
    }
  }

  /** The command itself reported these flags (STORE, FETCH setting \Seen): no second FETCH. */
  reported(uid: number): void {
    this.flagged.delete(uid);
  }

  /**
   * The untagged lines owed to the client: `* n EXPUNGE` (when allowed), `* n EXISTS`, `* n RECENT`
   * when the count changed, then `* n FETCH (UID u FLAGS (...))` for flag changes.
   */
  flush(allowExpunge: boolean): string[] {
    const lines: string[] = [];
    if (allowExpunge && this.expunged.length) {
      const gone = new Set(this.expunged);
      this.expunged = [];
      // Highest first would need no renumbering; RFC 3501 §7.4.1 allows any order as long as each
      // number is valid when sent. Going from high to low keeps the numbers simple to check.
      const vanished: number[] = [];
      for (let i = this.messages.length - 1; i >= 0; i--) {
        const m = this.messages[i]!;
        if (!gone.has(m.uid)) continue;
        // RFC 7162 §3.2.10: once QRESYNC is enabled, `* VANISHED uids` replaces `* n EXPUNGE`.
        if (this.sync.qresync) vanished.push(m.uid);
        else lines.push(`* ${i + 1} EXPUNGE`);
        this.flagged.delete(m.uid);
        this.recent.delete(m.uid);
      }
      if (vanished.length) lines.push(`* VANISHED ${compactSet(vanished.reverse())}`);
      if (lines.length) this.messages = this.messages.filter((m) => !gone.has(m.uid));
      // A message added and expunged before the client heard of it is never announced.
      this.added = this.added.filter((m) => !gone.has(m.uid));
    }
    if (this.added.length) {
      const known = new Set(this.messages.map((m) => m.uid));
      const fresh = this.added.filter((m) => !known.has(m.uid) && !this.expunged.includes(m.uid));
      this.added = this.added.filter((m) => this.expunged.includes(m.uid));
      if (fresh.length) {
        this.messages.push(...fresh);
        this.messages.sort((a, b) => a.uid - b.uid);
        lines.push(`* ${this.messages.length} EXISTS`);
        // RFC 3501 §2.3.2: new mail is recent in the first read-write session told of it.
        for (const uid of takeRecent(this.source, fresh, !this.readOnly)) this.recent.add(uid);
      }
    }
    if (this.recent.size !== this.announcedRecent) {
      this.announcedRecent = this.recent.size;
      lines.push(`* ${this.recent.size} RECENT`);
    }
    if (this.flagged.size) {
      const uids = this.flagged;
      this.flagged = new Set();
      lines.push(...this.keywordLines());
      this.messages.forEach((m, i) => {
        if (uids.has(m.uid))
          lines.push(`* ${i + 1} FETCH (UID ${m.uid} FLAGS ${this.flagsText(m)}${this.modseqText(m)})`);
      });
    }
    return lines;
  }

  /** Messages a sequence set names, in mailbox order. For sequence numbers every number must exist
   *  (RFC 3501 §9 `seq-number`); for UIDs, numbers that match nothing are ignored (§6.4.8). */
  resolve(set: SequenceSet, byUid: boolean, minModseq = 0): SequencedMessage[] {
    const out: SequencedMessage[] = [];
    // FETCH CHANGEDSINCE (RFC 7162 §3.1.4.1) keeps only messages changed since: filtered here, so a sync
    // of a large mailbox does not make an entry per unchanged message.
    if (minModseq > 0 && set !== SAVED_RESULT) return this.changedIn(set, byUid, minModseq);
    if (set === SAVED_RESULT) {
      // RFC 5182 §2.1: expunged messages have left `$`; an empty `$` names no message, without error.
      this.messages.forEach((message, i) => {
        if (this.savedResult.has(message.uid)) out.push({ seq: i + 1, message });
      });
      return out;
    }
    if (byUid) {
      const max = this.messages.length ? this.messages[this.messages.length - 1]!.uid : 0;
      const ranges = resolveRanges(set, max);
      this.messages.forEach((message, i) => {
        if (inRanges(ranges, message.uid)) out.push({ seq: i + 1, message });
      });
      return out;
    }
    if (this.messages.length === 0) throw bad('invalid sequence set: the mailbox is empty');
    const ranges = resolveRanges(set, this.messages.length);
    const last = ranges[ranges.length - 1];
    if (last && last[1] > this.messages.length)
      throw bad(`invalid sequence set: there are only ${this.messages.length} messages`);
    for (const [a, b] of ranges)
      for (let n = a; n <= b; n++) out.push({ seq: n, message: this.messages[n - 1]! });
    return out;
  }

  private changedIn(set: SequenceSet, byUid: boolean, minModseq: number): SequencedMessage[] {
    const out: SequencedMessage[] = [];
    const max = byUid ? (this.messages.at(-1)?.uid ?? 0) : this.messages.length;
    if (!byUid && max === 0) throw bad('invalid sequence set: the mailbox is empty');
    const ranges = resolveRanges(set, max);
    if (!byUid && (ranges.at(-1)?.[1] ?? 0) > max)
      throw bad(`invalid sequence set: there are only ${max} messages`);
    this.messages.forEach((message, i) => {
      if (message.modseq >= minModseq && inRanges(ranges, byUid ? message.uid : i + 1))
        out.push({ seq: i + 1, message });
    });
    return out;
  }
}
