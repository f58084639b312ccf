/**
 * A message of a Maildir store (`--maildir`) as the store keeps it in memory: an index entry (id, UID,
 * size, flags, modseq, dates, and its header block once read) whose body stays in its file and is read
 * through the BodyCache when a protocol asks for `raw`. Reads are synchronous: the file is local, small
 * messages read in microseconds, and every reader of `raw` (FETCH, SEARCH, RETR…) stays as it was.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { BodyCache } from './body-cache.js';
import { StoreError } from './mail-store.js';
import { parseEachTimeIn } from './mime.js';
import { readHeader } from './mime/header.js';
import type { SmtpEnvelope, StoredMessage } from './types.js';

/** Where a folder's message files are: the folder's directory (a RENAME changes it) and each
 *  message's current file name in `cur/` (a flag change renames the file). */
export interface FolderFiles {
  dir: string;
  names: Map<string, string>;
}

/** Header blocks up to this size are kept in memory once read (a typical one is under 2 KiB); a
 *  larger one is read with the body each time, so a crafted header cannot pin megabytes per message. */
const MAX_KEPT_HEAD = 16 * 1024;

/**
 * Kept header blocks are copied into slabs of their own. Node's Buffer pool would put them in its
 * shared 8 KiB slabs next to bodies (readFileSync of a small file and Buffer.from both allocate from
 * it), and each kept header would keep the bodies around it from being freed: 100,000 messages held
 * 300 MB that way.
 */
// As small as the largest kept header: a slab is freed only when every header in it is, so a few
// messages left of many expunged pin at most one slab each.
const HEAD_SLAB_BYTES = MAX_KEPT_HEAD;
let headSlab = newHeadSlab();
let headSlabUsed = 0;

function newHeadSlab(): Buffer {
  const slab = Buffer.allocUnsafeSlow(HEAD_SLAB_BYTES);
  parseEachTimeIn(slab.buffer);
  return slab;
}

function copyToHeadSlab(bytes: Buffer): Buffer {
  if (bytes.length > HEAD_SLAB_BYTES - headSlabUsed) {
    headSlab = newHeadSlab();
    headSlabUsed = 0;
  }
  const copy = headSlab.subarray(headSlabUsed, headSlabUsed + bytes.length);
  bytes.copy(copy);
  headSlabUsed += bytes.length;
  return copy;
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
  private keptHead: Buffer | null;
  /** The body cache's number for this message's last miss (0: none yet); see BodyCache.missed. */
  private lastMiss = 0;
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
    this.keptHead = null;
    this.internalTime = internalDate.getTime();
    if (body) {
      this.keepHead(body);
      cache.put(this, body);
    }
  }

  get internalDate(): Date {
    return new Date(this.internalTime);
  }

  get raw(): Buffer {
    const cached = this.cache.get(this);
    if (cached) return cached;
    const body = this.read();
    this.lastMiss = this.cache.missed(this, body, this.lastMiss);
    if (!this.keptHead) this.keepHead(body);
    return body;
  }

  get head(): Buffer {
    if (this.keptHead) return this.keptHead;
    const raw = this.raw;
    return this.keptHead ?? raw;
  }

  /** A copy of the header block (a slice would keep the whole body alive). */
  private keepHead(body: Buffer): void {
    const end = readHeader(body, 0, body.length, null).end;
    if (end > MAX_KEPT_HEAD) return;
    this.keptHead = copyToHeadSlab(body.subarray(0, end));
  }

  /** See withBytes(). */
  withBytes<T>(use: (bytes: Buffer) => T): T {
    return use(this.cache.get(this) ?? this.read(scratch));
  }

  private read(into: Buffer | null = null): Buffer {
    const name = this.files.names.get(this.id);
    if (name === undefined)
      throw new StoreError('EXPUNGEISSUED', `message ${this.id} (UID ${this.uid}) was expunged`);
    return readWhole(join(this.files.dir, 'cur', name), this.size, into);
  }
}
