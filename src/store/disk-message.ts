/**
 * A message of a Maildir store (`--maildir`) as the store keeps it in memory: an index entry (id, UID,
 * size, flags, modseq, dates, and its header block once read) whose body stays in its file and is read
 * through the BodyCache when a protocol asks for `raw`. Reads are synchronous: the file is local, small
 * messages read in microseconds, and every reader of `raw` (FETCH, SEARCH, RETR…) stays as it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BodyCache } from './body-cache.js';
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

export class DiskMessage implements StoredMessage {
  private keptHead: Buffer | null;

  constructor(
    readonly id: string,
    readonly uid: number,
    readonly size: number,
    readonly internalDate: Date,
    public flags: Set<string>,
    public modseq: number,
    readonly envelope: SmtpEnvelope | null,
    private readonly files: FolderFiles,
    private readonly cache: BodyCache<DiskMessage>,
    body: Buffer | null = null,
  ) {
    this.keptHead = null;
    if (body) {
      this.keepHead(body);
      cache.put(this, body);
    }
  }

  get raw(): Buffer {
    const cached = this.cache.get(this);
    if (cached) return cached;
    const body = this.read();
    this.cache.put(this, body);
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
    if (end <= MAX_KEPT_HEAD) this.keptHead = Buffer.from(body.subarray(0, end));
  }

  private read(): Buffer {
    const name = this.files.names.get(this.id);
    if (name === undefined) throw new Error(`message ${this.id} (UID ${this.uid}) was expunged`);
    return readFileSync(join(this.files.dir, 'cur', name));
  }
}
