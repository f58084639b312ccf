import { renameSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_FOLDERS,
  HIERARCHY_DELIMITER,
  type Folder,
  type StoreBackend,
  type StoredMessage,
} from './types.js';
import { BodyCache } from './body-cache.js';
import { CoalescedSaves } from './coalesced-saves.js';
import { DiskMessage, flagLetters, LETTER_FLAGS, type FolderFiles } from './disk-message.js';
import { flagSet } from './flag-sets.js';
import { newMessageId } from './mail-store.js';
import { ExpungeLog, newFolder, noteKeywords } from './modseq.js';

/**
 * Maildir++ persistence. Layout under the chosen root:
 *   ROOT/<maildrop>/{cur,new,tmp}            INBOX
 *   ROOT/<maildrop>/.Sent/{cur,new,tmp}      a folder; `a/b` becomes `.a.b`
 *   <folder dir>/mailsandbox.json            UIDVALIDITY, UIDNEXT, subscription, keywords, modseqs
 *   ROOT/mailsandbox-store.json              the last UIDVALIDITY handed out (mail-store.ts)
 * Message files are `cur/<id>,U=<uid>:2,<flags>` with the standard flag letters (DFRST).
 * Bodies stay in their files: start-up lists and stats them, and a body is read (through a cache
 * bounded in bytes, body-cache.ts) when a protocol needs it.
 *
 * Every name that reaches the file system is percent-encoded down to [A-Za-z0-9_-], so no maildrop,
 * folder or login name can climb out of ROOT (`..`, `/`, NUL all become %XX).
 */
export function encodeName(name: string): string {
  return Array.from(Buffer.from(name, 'utf8'))
    .map((b) =>
      /[A-Za-z0-9_-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

export function decodeName(encoded: string): string {
  return Buffer.from(
    encoded.replace(/%([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

const STATE_FILE = 'mailsandbox.json';
const STORE_STATE_FILE = 'mailsandbox-store.json';

interface FolderState {
  uidValidity: number;
  uidNext: number;
  subscribed: boolean;
  specialUse: string | null;
  keywords: Record<string, string[]>;
  /** RFC 7162: HIGHESTMODSEQ, each message's modseq (by id) and the remembered expunges. */
  highestModseq?: number;
  modseqs?: Record<string, number>;
  expunged?: ReturnType<ExpungeLog['toJSON']>;
}

function fileName(message: StoredMessage): string {
  return `${message.id},U=${message.uid}:2,${flagLetters(message.flags)}`;
}

export class MaildirBackend implements StoreBackend {
  private readonly host = hostname().replace(/[^A-Za-z0-9-]/g, '_');
  /** maildrop → folder name → where its files are (flags change a file's name, RENAME the folder's). */
  private readonly files = new Map<string, Map<string, FolderFiles>>();
  private readonly cache: BodyCache<DiskMessage>;
  /** Each folder's state file writes, by folder directory (a flag change's write follows within 100 ms). */
  private readonly saves = new CoalescedSaves();

  constructor(
    readonly root: string,
    options: { bodyCacheBytes?: number } = {},
  ) {
    this.cache = new BodyCache(options.bodyCacheBytes);
  }

  private folderDir(drop: string, name: string): string {
    const base = join(this.root, encodeName(drop));
    if (name === 'INBOX') return base;
    return join(base, '.' + name.split(HIERARCHY_DELIMITER).map(encodeName).join('.'));
  }

  private folderFiles(drop: string, folder: string): FolderFiles {
    let byFolder = this.files.get(drop);
    if (!byFolder) this.files.set(drop, (byFolder = new Map()));
    let files = byFolder.get(folder);
    if (!files)
      byFolder.set(folder, (files = { dir: this.folderDir(drop, folder), oddNames: new Map(), gone: false }));
    return files;
  }

  async load(): Promise<Map<string, Folder[]>> {
    await mkdir(this.root, { recursive: true });
    const result = new Map<string, Folder[]>();
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const drop = decodeName(entry.name);
      const dropDir = join(this.root, entry.name);
      const folders: Folder[] = [await this.loadFolder(drop, 'INBOX', dropDir)];
      for (const sub of await readdir(dropDir, { withFileTypes: true })) {
        if (!sub.isDirectory() || !sub.name.startsWith('.') || sub.name.length < 2) continue;
        const name = sub.name.slice(1).split('.').map(decodeName).join(HIERARCHY_DELIMITER);
        folders.push(await this.loadFolder(drop, name, join(dropDir, sub.name)));
      }
      result.set(drop, folders);
    }
    return result;
  }

  private async loadFolder(drop: string, name: string, dir: string): Promise<Folder> {
    await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(dir, d), { recursive: true })));
    let state: FolderState | null = null;
    try {
      state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as FolderState;
    } catch {
      state = null;
    }
    const special = DEFAULT_FOLDERS.find((f) => f.name === name)?.specialUse ?? null;
    const folder = newFolder({
      name,
      uidValidity: state?.uidValidity ?? Math.floor(Date.now() / 1000),
      uidNext: state?.uidNext ?? 1,
      subscribed: state?.subscribed ?? special !== null,
      specialUse: state?.specialUse ?? special,
      highestModseq: state?.highestModseq ?? 1,
      expunged: ExpungeLog.fromJSON(state?.expunged),
    });
    const folderFiles = this.folderFiles(drop, name);
    const unnumbered: { file: string; sub: string }[] = [];
    for (const sub of ['cur', 'new']) {
      for (const file of await readdir(join(dir, sub))) {
        const match = /^(.+),U=(\d+)(?::2,([A-Za-z]*))?$/.exec(file);
        if (!match || sub === 'new') {
          unnumbered.push({ file, sub });
          continue;
        }
        const [, id, uid, letters] = match;
        // Synchronous: one stat after another is several times faster than a round trip through the
        // thread pool per file, and nothing else runs before the store has loaded.
        const info = statSync(join(dir, sub, file));
        const flags = flagSet([
          ...[...(letters ?? '')].map((l) => LETTER_FLAGS[l]).filter((f): f is string => !!f),
          ...(state?.keywords[id!] ?? []),
        ]);
        const message = new DiskMessage(
          id!,
          Number(uid),
          smallInt(info.size),
          info.mtime,
          flags,
          state?.modseqs?.[id!] ?? 0,
          null,
          folderFiles,
          this.cache,
        );
        if (message.fileName !== file) folderFiles.oddNames.set(id!, file);
        folder.messages.push(message);
      }
    }
    folder.messages.sort((a, b) => a.uid - b.uid);
    for (const m of folder.messages) {
      folder.highestModseq = Math.max(folder.highestModseq, m.modseq);
      noteKeywords(folder, m.flags);
    }
    // Appends since the state file was last written (writeMessage does not rewrite it) took the next
    // modseqs one by one in UID order: the same again, so HIGHESTMODSEQ never goes back over a restart.
    for (const m of folder.messages) if (m.modseq === 0) m.modseq = state ? ++folder.highestModseq : 1;
    const maxUid = folder.messages.at(-1)?.uid ?? 0;
    folder.uidNext = Math.max(folder.uidNext, maxUid + 1);
    // Files dropped in by hand (or by another MDA) get the next UIDs, in name order.
    for (const { file, sub } of unnumbered.sort((a, b) => (a.file < b.file ? -1 : 1))) {
      const path = join(dir, sub, file);
      const info = statSync(path);
      const letters = /:2,([A-Za-z]*)$/.exec(file)?.[1] ?? '';
      const message = new DiskMessage(
        newMessageId(),
        folder.uidNext++,
        smallInt(info.size),
        info.mtime,
        flagSet([...letters].map((l) => LETTER_FLAGS[l]).filter((f): f is string => !!f)),
        ++folder.highestModseq,
        null,
        folderFiles,
        this.cache,
      );
      await rename(path, join(dir, 'cur', fileName(message)));
      folder.messages.push(message);
    }
    await this.saveFolder(drop, folder);
    return folder;
  }

  async writeMessage(drop: string, folder: Folder, message: StoredMessage): Promise<StoredMessage> {
    const dir = this.folderDir(drop, folder.name);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    await mkdir(join(dir, 'cur'), { recursive: true });
    const name = fileName(message);
    const tmp = join(dir, 'tmp', `${message.id}.${process.pid}.${this.host}`);
    await writeFile(tmp, message.raw);
    await utimes(tmp, message.internalDate, message.internalDate);
    await rename(tmp, join(dir, 'cur', name));
    const files = this.folderFiles(drop, folder.name);
    // Keywords live only in the state file; UIDNEXT must never go back, even if the newest message is
    // expunged before a restart. Written within 100 ms, once for a whole COPY or MOVE of many messages.
    if (hasKeywords(message) || message.uid === 1) this.saves.later(dir, () => this.writeState(drop, folder));
    // What the store keeps: the index entry, the body in the cache (just read or written mail is the
    // mail most likely read next).
    const { id, uid, size, internalDate, flags, modseq, envelope } = message;
    return new DiskMessage(
      id,
      uid,
      size,
      internalDate,
      flags,
      modseq,
      envelope,
      files,
      this.cache,
      message.raw,
    );
  }

  async updateFlags(drop: string, folder: Folder, message: StoredMessage): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    const current = message instanceof DiskMessage ? message.fileName : undefined;
    const next = fileName(message);
    if (current && current !== next) {
      // Synchronous, so no read of the body (also synchronous) ever sees the old name gone and the new
      // one not yet recorded.
      renameSync(join(dir, 'cur', current), join(dir, 'cur', next));
      this.folderFiles(drop, folder.name).oddNames.delete(message.id);
      (message as DiskMessage).fileLetters = flagLetters(message.flags);
    }
    // System flags are in the file's name, now; keywords and the modseq follow in the state file
    // (coalesced-saves.ts: one write for a whole `STORE 1:*`, not one per message).
    this.saves.later(dir, () => this.writeState(drop, folder));
  }

  async removeMessages(drop: string, folder: Folder, messages: StoredMessage[]): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    const files = this.folderFiles(drop, folder.name);
    for (const message of messages) {
      if (!(message instanceof DiskMessage)) continue;
      const file = message.fileName;
      // Forgotten first: a session still holding the message reads "expunged", not a missing file.
      message.fileLetters = null;
      files.oddNames.delete(message.id);
      this.cache.delete(message);
      if (file) await rm(join(dir, 'cur', file), { force: true });
    }
  }

  async saveFolder(drop: string, folder: Folder): Promise<void> {
    await this.saves.now(this.folderDir(drop, folder.name), () => this.writeState(drop, folder));
  }

  /** Writes the folder's state file as it is when the write runs (at its current place: RENAME moves it). */
  private async writeState(drop: string, folder: Folder): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(dir, d), { recursive: true })));
    const keywords: Record<string, string[]> = {};
    const modseqs: Record<string, number> = {};
    for (const m of folder.messages) {
      const kw = [...m.flags].filter((f) => !f.startsWith('\\'));
      if (kw.length) keywords[m.id] = kw;
      modseqs[m.id] = m.modseq;
    }
    const state: FolderState = {
      uidValidity: folder.uidValidity,
      uidNext: folder.uidNext,
      subscribed: folder.subscribed,
      specialUse: folder.specialUse,
      keywords,
      highestModseq: folder.highestModseq,
      modseqs,
      expunged: folder.expunged.toJSON(),
    };
    const tmp = join(dir, `${STATE_FILE}.${uniqueSuffix()}.tmp`);
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, join(dir, STATE_FILE));
  }

  async loadLastUidValidity(): Promise<number> {
    try {
      const state = JSON.parse(await readFile(join(this.root, STORE_STATE_FILE), 'utf8')) as {
        lastUidValidity?: unknown;
      };
      return typeof state.lastUidValidity === 'number' ? state.lastUidValidity : 0;
    } catch {
      return 0;
    }
  }

  async saveLastUidValidity(value: number): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `${STORE_STATE_FILE}.${uniqueSuffix()}.tmp`);
    await writeFile(tmp, JSON.stringify({ lastUidValidity: value }));
    await rename(tmp, join(this.root, STORE_STATE_FILE));
  }

  /** Writes the state files still waiting (the sandbox closing). */
  async flush(): Promise<void> {
    await this.saves.flush();
  }

  async deleteFolder(drop: string, name: string): Promise<void> {
    // Forgotten first: sessions still holding its messages read "expunged", not a missing file.
    const files = this.files.get(drop)?.get(name);
    if (files) files.gone = true;
    this.files.get(drop)?.delete(name);
    // A state write still pending would make the folder again (its write creates the directories).
    await this.saves.drop(this.folderDir(drop, name));
    await rm(this.folderDir(drop, name), { recursive: true, force: true });
  }

  async renameFolder(drop: string, from: string, to: string): Promise<void> {
    // What waits to be written goes to the old place first; nothing can start a write between the
    // end of that wait and the rename below, which is synchronous (reads follow `dir` at once).
    await this.saves.settle(this.folderDir(drop, from));
    renameSync(this.folderDir(drop, from), this.folderDir(drop, to));
    this.saves.rename(this.folderDir(drop, from), this.folderDir(drop, to));
    const byFolder = this.files.get(drop);
    const files = byFolder?.get(from);
    if (byFolder && files) {
      byFolder.delete(from);
      files.dir = this.folderDir(drop, to);
      byFolder.set(to, files);
    }
  }
}

let tmpCounter = 0;
/** State files are written to a temporary name and renamed: each write its own name, so two writes of
 *  the same folder at once cannot rename one temporary file twice. */
function uniqueSuffix(): string {
  return `${process.pid}-${++tmpCounter}`;
}

/** A file size as a small integer: statSync's sizes are doubles, and one double stored in the index
 *  entry's field makes V8 box the size of every message (16 bytes each, 1.6 MB per 100,000). */
function smallInt(n: number): number {
  return n <= 0x3fffffff ? n | 0 : n;
}

function hasKeywords(message: StoredMessage): boolean {
  for (const f of message.flags) if (!f.startsWith('\\')) return true;
  return false;
}
