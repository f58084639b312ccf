import { EventEmitter } from 'node:events';
import { flagSet } from './flag-sets.js';
import { newFolder, nextModseq, noteKeywords } from './modseq.js';
import { maildropKey, type MailboxRouting } from './routing.js';
import {
  DEFAULT_FOLDERS,
  type Folder,
  type SmtpEnvelope,
  type StoreBackend,
  type StoreChange,
  type StoredMessage,
} from './types.js';

export class StoreError extends Error {
  constructor(
    /** EXPUNGEISSUED (RFC 5530 §3): the bytes of a message another session expunged are gone (--maildir). */
    readonly code: 'NONEXISTENT' | 'ALREADYEXISTS' | 'CANNOT' | 'EXPUNGEISSUED',
    message: string,
  ) {
    super(message);
  }
}

let idCounter = 0;
/** The millisecond of the last id and its upper-case hex: a burst of messages shares one. */
let idMs = -1;
let idMsHex = '';
/** Ids look like postfix queue ids (`1CF5FC0AAE`): unique, sortable, safe in file names and UIDL. */
export function newMessageId(): string {
  idCounter = (idCounter + 1) % 0x100000;
  const now = Date.now();
  if (now !== idMs) {
    idMs = now;
    idMsHex = now.toString(16).toUpperCase();
  }
  return idMsHex + idCounter.toString(16).toUpperCase().padStart(5, '0');
}

/**
 * How many messages the in-memory store holds (`--max-messages`): past it the oldest go. A sandbox left
 * running under a test suite or a load test would otherwise grow until the process runs out of memory;
 * 100,000 messages of a few KiB are a few hundred MB, more than any debugging session reads back.
 */
export const DEFAULT_MAX_MESSAGES = 100_000;

export interface StoreOptions {
  /** Drop the oldest messages (across all maildrops and folders) beyond this many; default: no cap. */
  maxMessages?: number;
}

/** Messages the cap dropped to make room for `cause`. */
export interface DroppedMail {
  dropped: StoredMail[];
  cause: StoredMail;
  limit: number;
}

export interface AppendOptions {
  flags?: Iterable<string>;
  internalDate?: Date;
  envelope?: SmtpEnvelope | null;
}

/**
 * The one mail store of the sandbox. SMTP delivers into it; IMAP and POP3 read and change it.
 * The state lives in memory; every change goes to the backend first (a Maildir with `--maildir`),
 * so what a protocol acknowledged is on disk before the reply goes out. Changes are announced on
 * `onChange` so other sessions of the same maildrop learn about them (EXISTS, FETCH, EXPUNGE).
 */
export class MailStore {
  private readonly maildrops = new Map<string, Map<string, Folder>>();
  private readonly events = new EventEmitter();
  /** The last UIDVALIDITY handed out; see nextUidValidity. */
  private lastUidValidity = 0;

  constructor(
    private readonly backend: StoreBackend,
    readonly routing: MailboxRouting = 'shared',
    private readonly options: StoreOptions = {},
  ) {
    this.events.setMaxListeners(0);
  }

  async load(): Promise<void> {
    this.lastUidValidity = await this.backend.loadLastUidValidity();
    for (const [drop, folders] of await this.backend.load()) {
      const map = new Map<string, Folder>();
      for (const folder of folders) {
        map.set(folder.name, folder);
        this.lastUidValidity = Math.max(this.lastUidValidity, folder.uidValidity);
      }
      this.maildrops.set(drop, map);
      await this.ensureDefaults(drop, map);
    }
  }

  /** Writes out what the backend holds back (call when the sandbox closes). */
  async close(): Promise<void> {
    await this.backend.flush();
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  /** Called when the message cap dropped messages (the sandbox puts a note on the transcript bus). */
  onDropped(listener: (event: DroppedMail) => void): () => void {
    this.events.on('dropped', listener);
    return () => this.events.off('dropped', listener);
  }

  private emit(change: StoreChange): void {
    this.events.emit('change', change);
  }

  /**
   * A UIDVALIDITY no folder of this store had before: every CREATE (also of a name just deleted, in the
   * same second) gets a new one (RFC 3501 §2.3.1.1). A counter, persisted with `--maildir`, with the
   * clock's seconds as its floor so an in-memory store started again does not repeat the last run's.
   */
  private async nextUidValidity(): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    // Taken before the await: two CREATEs at once must not both read the later value.
    const value = (this.lastUidValidity = Math.max(this.lastUidValidity + 1, now) >>> 0 || 1);
    await this.backend.saveLastUidValidity(value);
    return value;
  }

  /** The maildrop a login name reads (see routing.ts). */
  maildropFor(login: string): string {
    return maildropKey(this.routing, login);
  }

  maildropNames(): string[] {
    return [...this.maildrops.keys()];
  }

  private async ensureDefaults(drop: string, map: Map<string, Folder>): Promise<void> {
    for (const def of DEFAULT_FOLDERS) {
      if (map.has(def.name)) continue;
      const folder = newFolder({
        name: def.name,
        uidValidity: await this.nextUidValidity(),
        subscribed: true,
        specialUse: def.specialUse,
      });
      map.set(def.name, folder);
      await this.backend.saveFolder(drop, folder);
    }
  }

  private async drop(drop: string): Promise<Map<string, Folder>> {
    let map = this.maildrops.get(drop);
    if (!map) {
      map = new Map();
      this.maildrops.set(drop, map);
      await this.ensureDefaults(drop, map);
    }
    return map;
  }

  /** Folders of a maildrop (made with the default folders on first use). */
  async folders(drop: string): Promise<Folder[]> {
    return [...(await this.drop(drop)).values()];
  }

  /** `INBOX` in any case is the inbox (RFC 3501 §5.1); other names are case-sensitive. */
  static normalizeName(name: string): string {
    return /^inbox$/i.test(name) ? 'INBOX' : name;
  }

  async folder(drop: string, name: string): Promise<Folder | undefined> {
    return (await this.drop(drop)).get(MailStore.normalizeName(name));
  }

  private async requireFolder(drop: string, name: string): Promise<Folder> {
    const folder = await this.folder(drop, name);
    if (!folder) throw new StoreError('NONEXISTENT', `no mailbox named ${name}`);
    return folder;
  }

  /** SMTP delivery: one copy into the INBOX of each maildrop the recipients route to. */
  async deliver(envelope: SmtpEnvelope, raw: Buffer): Promise<StoredMessage[]> {
    const drops = new Set(envelope.rcptTo.map((rcpt) => maildropKey(this.routing, rcpt)));
    if (drops.size === 0) drops.add(maildropKey(this.routing, ''));
    const stored: StoredMessage[] = [];
    for (const drop of drops) stored.push(await this.append(drop, 'INBOX', raw, { envelope }));
    return stored;
  }

  async append(
    drop: string,
    folderName: string,
    raw: Buffer,
    options: AppendOptions = {},
  ): Promise<StoredMessage> {
    const folder = await this.requireFolder(drop, folderName);
    const fresh: StoredMessage = {
      id: newMessageId(),
      uid: folder.uidNext++,
      raw,
      size: raw.length,
      head: raw,
      internalDate: options.internalDate ?? new Date(),
      flags: flagSet(options.flags ?? []),
      modseq: nextModseq(folder),
      envelope: options.envelope ?? null,
      // Made with the object, so a protocol's record set later changes no object's shape.
      derived: undefined,
    };
    noteKeywords(folder, fresh.flags);
    let message: StoredMessage;
    try {
      message = await this.backend.writeMessage(drop, folder, fresh);
    } catch (err) {
      throw new StoreError('CANNOT', `could not store the message: ${(err as Error).message}`);
    }
    // UIDs are handed out in order but writes may finish out of order: insert sorted.
    let i = folder.messages.length;
    while (i > 0 && folder.messages[i - 1]!.uid > message.uid) i--;
    folder.messages.splice(i, 0, message);
    this.emit({ kind: 'exists', maildrop: drop, folder: folder.name, message });
    await this.enforceCap({ message, maildrop: drop, folder: folder.name });
    return message;
  }

  /**
   * Drops the oldest messages beyond `maxMessages` through expunge, so IMAP sessions that hold them
   * get EXPUNGE (VANISHED) like for any other expunge; POP3 sessions keep them in their snapshot.
   * Oldest by arrival: ids sort in the order the store made them, whatever INTERNALDATE an APPEND gave.
   */
  private async enforceCap(cause: StoredMail): Promise<void> {
    const limit = this.options.maxMessages;
    if (limit === undefined) return;
    let total = 0;
    for (const map of this.maildrops.values()) for (const f of map.values()) total += f.messages.length;
    // Each folder is in UID order, which is arrival order: the oldest not yet picked is always the
    // first unpicked message of some folder.
    const picked = new Map<Folder, { maildrop: string; uids: number[] }>();
    const dropped: StoredMail[] = [];
    for (; total > limit; total--) {
      let oldest: { mail: StoredMail; folder: Folder } | null = null;
      for (const [maildrop, map] of this.maildrops)
        for (const f of map.values()) {
          const first = f.messages[picked.get(f)?.uids.length ?? 0];
          if (first && (!oldest || first.id < oldest.mail.message.id))
            oldest = { mail: { message: first, maildrop, folder: f.name }, folder: f };
        }
      if (!oldest || oldest.mail.message === cause.message) break;
      dropped.push(oldest.mail);
      const entry = picked.get(oldest.folder) ?? { maildrop: oldest.mail.maildrop, uids: [] };
      entry.uids.push(oldest.mail.message.uid);
      picked.set(oldest.folder, entry);
    }
    if (dropped.length === 0) return;
    for (const [folder, { maildrop, uids }] of picked) await this.expunge(maildrop, folder.name, uids);
    this.events.emit('dropped', { dropped, cause, limit } satisfies DroppedMail);
  }

  async setFlags(
    drop: string,
    folderName: string,
    message: StoredMessage,
    flags: Iterable<string>,
  ): Promise<void> {
    const folder = await this.requireFolder(drop, folderName);
    const next = flagSet(flags);
    if (next === message.flags) return;
    if (next.size === message.flags.size && [...next].every((f) => message.flags.has(f))) return;
    message.flags = next;
    message.modseq = nextModseq(folder);
    noteKeywords(folder, next);
    await this.backend.updateFlags(drop, folder, message);
    this.emit({ kind: 'flags', maildrop: drop, folder: folder.name, message });
  }

  /** Removes the messages with the given UIDs for good (IMAP EXPUNGE, POP3 UPDATE state). */
  async expunge(drop: string, folderName: string, uids: Iterable<number>): Promise<number[]> {
    const folder = await this.requireFolder(drop, folderName);
    const wanted = new Set(uids);
    const gone = folder.messages.filter((m) => wanted.has(m.uid));
    if (gone.length === 0) return [];
    await this.backend.removeMessages(drop, folder, gone);
    folder.messages = folder.messages.filter((m) => !wanted.has(m.uid));
    // RFC 7162 §3.2.10: an expunge raises HIGHESTMODSEQ; QRESYNC clients ask for it as VANISHED (EARLIER).
    const modseq = nextModseq(folder);
    folder.expunged.record(
      gone.map((m) => m.uid),
      modseq,
    );
    await this.backend.saveFolder(drop, folder);
    for (const m of gone)
      this.emit({ kind: 'expunge', maildrop: drop, folder: folder.name, uid: m.uid, modseq });
    return gone.map((m) => m.uid);
  }

  /** `specialUse`: RFC 6154 §3 CREATE (USE (...)). */
  async createFolder(drop: string, name: string, specialUse: string | null = null): Promise<Folder> {
    const map = await this.drop(drop);
    const normalized = MailStore.normalizeName(name);
    if (map.has(normalized)) throw new StoreError('ALREADYEXISTS', `mailbox ${name} exists already`);
    const folder = newFolder({
      name: normalized,
      uidValidity: await this.nextUidValidity(),
      subscribed: false,
      specialUse,
    });
    // The name may have been taken while this CREATE waited (two at once): one of them wins.
    if (map.has(normalized)) throw new StoreError('ALREADYEXISTS', `mailbox ${name} exists already`);
    map.set(normalized, folder);
    try {
      await this.backend.saveFolder(drop, folder);
    } catch (err) {
      map.delete(normalized);
      throw err;
    }
    this.emit({ kind: 'folders', maildrop: drop, folder: normalized });
    return folder;
  }

  async deleteFolder(drop: string, name: string): Promise<void> {
    const map = await this.drop(drop);
    const normalized = MailStore.normalizeName(name);
    if (normalized === 'INBOX') throw new StoreError('CANNOT', 'INBOX cannot be deleted');
    if (!map.has(normalized)) throw new StoreError('NONEXISTENT', `no mailbox named ${name}`);
    await this.backend.deleteFolder(drop, normalized);
    map.delete(normalized);
    this.emit({ kind: 'deleted', maildrop: drop, folder: normalized });
  }

  async renameFolder(drop: string, from: string, to: string): Promise<void> {
    const map = await this.drop(drop);
    const source = MailStore.normalizeName(from);
    const target = MailStore.normalizeName(to);
    const folder = map.get(source);
    if (!folder) throw new StoreError('NONEXISTENT', `no mailbox named ${from}`);
    if (map.has(target)) throw new StoreError('ALREADYEXISTS', `mailbox ${to} exists already`);
    if (source === 'INBOX') throw new StoreError('CANNOT', 'renaming INBOX is not supported here');
    await this.backend.renameFolder(drop, source, target);
    map.delete(source);
    folder.name = target;
    map.set(target, folder);
    this.emit({ kind: 'renamed', maildrop: drop, folder: source, to: target });
  }

  async setSubscribed(drop: string, name: string, subscribed: boolean): Promise<void> {
    const folder = await this.requireFolder(drop, name);
    folder.subscribed = subscribed;
    await this.backend.saveFolder(drop, folder);
  }

  /** A new UIDVALIDITY (scenario: a server that lost its UID database). */
  async resetUidValidity(drop: string, name: string): Promise<number> {
    const folder = await this.requireFolder(drop, name);
    folder.uidValidity = await this.nextUidValidity();
    await this.backend.saveFolder(drop, folder);
    this.emit({ kind: 'uidvalidity', maildrop: drop, folder: folder.name, uidValidity: folder.uidValidity });
    return folder.uidValidity;
  }

  /** Every message SMTP delivered, across maildrops, oldest first (library API). */
  delivered(): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const map of this.maildrops.values())
      for (const folder of map.values()) for (const m of folder.messages) if (m.envelope) out.push(m);
    return out.sort(oldestFirst);
  }

  /** Every message of every folder (SMTP deliveries, IMAP APPENDs and copies, seeded mail), oldest first. */
  everything(): StoredMail[] {
    const out: StoredMail[] = [];
    for (const [maildrop, map] of this.maildrops)
      for (const folder of map.values())
        for (const message of folder.messages) out.push({ message, maildrop, folder: folder.name });
    return out.sort((a, b) => oldestFirst(a.message, b.message));
  }
}

/** A stored message and where it is. */
export interface StoredMail {
  message: StoredMessage;
  maildrop: string;
  folder: string;
}

function oldestFirst(a: StoredMessage, b: StoredMessage): number {
  return a.internalDate.getTime() - b.internalDate.getTime() || (a.id < b.id ? -1 : 1);
}
