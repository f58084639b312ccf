import type { ExpungeLog } from './modseq.js';

/** What SMTP knew about a message when it accepted it. */
export interface SmtpEnvelope {
  mailFrom: string;
  rcptTo: string[];
  helo: string;
  authUser: string | null;
  /** TLS protocol and cipher, or null for a plain-text session. */
  tls: string | null;
  remoteAddress: string;
  listener: string;
  sid: string;
}

export interface StoredMessage {
  /** Stable id: shown as "queued as", used as the Maildir base name and as the POP3 UIDL. */
  readonly id: string;
  readonly uid: number;
  /** The message's bytes. With `--maildir` the message stays in its file and this reads it through a
   *  bounded cache (disk-message.ts): read it where the bytes are needed, and keep what is derived from
   *  them per message (IMAP's record, message-fields.ts) rather than the bytes. */
  readonly raw: Buffer;
  /** `raw.length`, without reading the body. */
  readonly size: number;
  /**
   * Bytes that start with the message's whole header block, for what reads only the header (ENVELOPE,
   * header fields for SEARCH, SORT, THREAD): `raw` itself in memory; with `--maildir` the header block
   * read from the file (not kept: what is derived from it is kept where it is used).
   */
  readonly head: Buffer;
  /**
   * What a protocol derived from the bytes and keeps for as long as the message lives (IMAP's record,
   * protocols/imap/message-fields.ts), made on first use. A field rather than a WeakMap entry per
   * message: ~40 bytes less each, and no ephemeron for every full GC to trace.
   */
  derived?: object;
  readonly internalDate: Date;
  /** System flags (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`) and keywords. Replaced,
   *  never changed in place: messages with the same flags share one set (flag-sets.ts). */
  flags: ReadonlySet<string>;
  /** RFC 7162 mod-sequence: the folder's modseq when the message arrived or its flags last changed. */
  modseq: number;
  readonly envelope: SmtpEnvelope | null;
  /** POP3's size of the message (octets with CRLF line ends), kept once measured (pop3/maildrop.ts). */
  crlfSize?: number;
}

export interface Folder {
  /** IMAP name with `/` as the hierarchy delimiter; the inbox is always `INBOX`. */
  name: string;
  uidValidity: number;
  uidNext: number;
  /** Ascending by UID. */
  messages: StoredMessage[];
  subscribed: boolean;
  /** RFC 6154 attribute such as `\Sent`, or null. */
  specialUse: string | null;
  /** RFC 7162 HIGHESTMODSEQ: raised by every new message, flag change and expunge (modseq.ts). */
  highestModseq: number;
  /** Every keyword a message of the folder carries or carried, for `* FLAGS` (grows only). */
  keywords: Set<string>;
  /** Recently expunged UIDs with their modseqs, for QRESYNC's VANISHED (EARLIER). */
  expunged: ExpungeLog;
}

export type StoreChange = { maildrop: string; folder: string } & (
  | { kind: 'exists'; message: StoredMessage }
  | { kind: 'flags'; message: StoredMessage }
  | { kind: 'expunge'; uid: number; modseq: number }
  | { kind: 'uidvalidity'; uidValidity: number }
  /** A folder was made (`folder` is its name). */
  | { kind: 'folders' }
  /** `folder` is gone: deleted, or renamed (`to` is the new name). */
  | { kind: 'deleted' }
  | { kind: 'renamed'; to: string }
);

/** Persistence under the in-memory state: no-op in memory mode, Maildir files with `--maildir`. */
export interface StoreBackend {
  load(): Promise<Map<string, Folder[]>>;
  /** Persists a new message; answers the object the store keeps (with `--maildir`, one whose body is
   *  read from its file). */
  writeMessage(maildrop: string, folder: Folder, message: StoredMessage): Promise<StoredMessage>;
  updateFlags(maildrop: string, folder: Folder, message: StoredMessage): Promise<void>;
  removeMessages(maildrop: string, folder: Folder, messages: StoredMessage[]): Promise<void>;
  saveFolder(maildrop: string, folder: Folder): Promise<void>;
  deleteFolder(maildrop: string, name: string): Promise<void>;
  renameFolder(maildrop: string, from: string, to: string): Promise<void>;
  /** Writes out what the backend still holds back (Maildir: the state files of recent flag changes). */
  flush(): Promise<void>;
  /** The last UIDVALIDITY the store handed out (a counter that outlives the process with `--maildir`). */
  loadLastUidValidity(): Promise<number>;
  saveLastUidValidity(value: number): Promise<void>;
}

/** The folders every maildrop starts with (RFC 6154 special-use attributes). */
export const DEFAULT_FOLDERS: ReadonlyArray<{ name: string; specialUse: string | null }> = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
];

export const HIERARCHY_DELIMITER = '/';
