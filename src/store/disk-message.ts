/**
 * A message of a Maildir store (`--maildir`) as the store keeps it in memory: an index entry (id, UID,
 * size, flags, modseq, dates) whose bytes, header block included, stay in its file and are read
 * through the BodyCache when a protocol asks for `raw` or `head`. What IMAP reads of the header is
 * kept in its own record (message-fields.ts), so a header is read from disk again only for a field
 * not asked for before; keeping every header block in memory cost ~430 bytes per message, 40 MB
 * over 100,000. Reads are synchronous: the file is local, small
 * messages read in microseconds, and every reader of `raw` (FETCH, SEARCH, RETR…) stays as it was.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { BodyCache } from './body-cache.js';
import { StoreError } from './mail-store.js';
import { readHeader } from './mime/header.js';
import type { SmtpEnvelope, StoredMessage } from './types.js';

/** Where a folder's message files are: its directory (a RENAME changes it), the few files named
 *  otherwise than the store names them (see DiskMessage.fileName), and whether it was deleted. */
export interface FolderFiles {
  dir: string;
  /** By message id: the name of a file in `cur/` that is not `<id>,U=<uid>:2,<letters>` as the store
   *  writes it (a file dropped in with other spelling, kept until a flag change renames it). A name
   *  per message in a map cost ~70 bytes each, 7 MB over 100,000 messages. */
  oddNames: Map<string, string>;
  /** Set when the folder is deleted: its messages read as expunged. */
  gone: boolean;
}

/** Maildir's flag letters (the standard `:2,` info letters), in the order a file name lists them. */
const FLAG_LETTERS: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};
export const LETTER_FLAGS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FLAG_LETTERS).map(([f, l]) => [l, f]),
);
/** One string per combination of letters, shared by every message that has it. */
const letterStrings = new Map<string, string>();

/** The flag letters of a file name for these flags: system flags only, sorted. */
export function flagLetters(flags: ReadonlySet<string>): string {
  let letters = '';
  for (const f of flags) letters += FLAG_LETTERS[f] ?? '';
  letters = [...letters].sort().join('');
  let shared = letterStrings.get(letters);
  if (shared === undefined) letterStrings.set(letters, (shared = letters));
  return shared;
}

/**
 * The whole file. One read of the size the index knows plus one byte finds the end without a stat; a
 * file that grew behind the store's back is read whole after a stat. Small bodies come from Node's
 * Buffer pool (an ArrayBuffer of its own per body made reading a mailbox a third slower); only the body
 * cache keeps them, so the slabs they pin are bounded by it.
 */
function readWhole(path: string, expected: number, into: Buffer | null = null): Buffer {
  const fd = openSync(path, 'r');
  try {
    let body = into && into.length > expected ? into : Buffer.allocUnsafe(expected + 1);
    let read = readSync(fd, body, 0, expected + 1, 0);
    if (read <= expected) return body.subarray(0, read);
    const size = fstatSync(fd).size;
    body = Buffer.allocUnsafe(size);
    read = 0;
    while (read < size) {
      const n = readSync(fd, body, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return body.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** The message whose header block `head` cut last, and that block. */
const lastHead: { of: DiskMessage | null; bytes: Buffer | null } = { of: null, bytes: null };

/** Reused by every withBytes() read that fits: bytes looked at once and dropped need no allocation. */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * Runs `use` on a message's bytes without keeping them: in memory or in the body cache, `raw`; else
 * read from the file into a buffer reused from call to call, which `use` must not keep. For a pass
 * that only measures (POP3's CRLF size of every message at the first login): 100,000 bodies read that
 * way allocate nothing and leave the body cache as it was.
 */
export function withBytes<T>(message: StoredMessage, use: (bytes: Buffer) => T): T {
  return message instanceof DiskMessage ? message.withBytes(use) : use(message.raw);
}

export class DiskMessage implements StoredMessage {
  /** The flag letters in its file's name, null once expunged: with the id and UID they make the name
   *  (maildir.ts keeps it in step: a flag change renames the file). */
  fileLetters: string | null;
  derived?: object = undefined;
  /** The body cache's number for this message's last miss (0: none yet); see BodyCache.missed. */
  private lastMiss = 0;
  /** Declared, so it is a field of every message, not a property added to each later. */
  crlfSize: number | undefined = undefined;
  /** A number rather than a Date: a Date object per message of a large Maildir costs megabytes. */
  private readonly internalTime: number;

  constructor(
    readonly id: string,
    readonly uid: number,
    readonly size: number,
    internalDate: Date,
    public flags: ReadonlySet<string>,
    public modseq: number,
    readonly envelope: SmtpEnvelope | null,
    private readonly files: FolderFiles,
    private readonly cache: BodyCache<DiskMessage>,
    body: Buffer | null = null,
  ) {
    this.internalTime = internalDate.getTime();
    this.fileLetters = flagLetters(flags);
    if (body) cache.put(this, body);
  }

  get internalDate(): Date {
    return new Date(this.internalTime);
  }

  get raw(): Buffer {
    const cached = this.cache.get(this);
    if (cached) return cached;
    const body = this.read();
    this.lastMiss = this.cache.missed(this, body, this.lastMiss);
    return body;
  }

  /** The header block, cut from `raw` so what parses it parses no body. The last one is kept for the
   *  next call (THREAD reads three fields of a message in a row). */
  get head(): Buffer {
    if (lastHead.of !== this) {
      const raw = this.raw;
      lastHead.bytes = raw.subarray(0, readHeader(raw, 0, raw.length, null).end);
      lastHead.of = this;
    }
    return lastHead.bytes!;
  }

  /** See withBytes(). */
  withBytes<T>(use: (bytes: Buffer) => T): T {
    return use(this.cache.get(this) ?? this.read(scratch));
  }

  /** Its file's name in `cur/`, undefined once it is expunged or its folder deleted. */
  get fileName(): string | undefined {
    if (this.fileLetters === null || this.files.gone) return undefined;
    return this.files.oddNames.get(this.id) ?? `${this.id},U=${this.uid}:2,${this.fileLetters}`;
  }

  private read(into: Buffer | null = null): Buffer {
    const name = this.fileName;
    if (name === undefined)
      throw new StoreError('EXPUNGEISSUED', `message ${this.id} (UID ${this.uid}) was expunged`);
    // Concatenated, not path.join(): `dir` is already normalized (maildir.ts builds it with join) and
    // `name` is a file name, and join's normalizing cost a tenth of a read.
    return readWhole(`${this.files.dir}/cur/${name}`, this.size, into);
  }
}
