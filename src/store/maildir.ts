import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_FOLDERS,
  HIERARCHY_DELIMITER,
  type Folder,
  type StoreBackend,
  type StoredMessage,
} from './types.js';
import { newMessageId } from './mail-store.js';

/**
 * Maildir++ persistence. Layout under the chosen root:
 *   ROOT/<maildrop>/{cur,new,tmp}            INBOX
 *   ROOT/<maildrop>/.Sent/{cur,new,tmp}      a folder; `a/b` becomes `.a.b`
 *   <folder dir>/mailsandbox.json            UIDVALIDITY, UIDNEXT, subscription, keywords
 * Message files are `cur/<id>,U=<uid>:2,<flags>` with the standard flag letters (DFRST).
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

const FLAG_LETTERS: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};
const LETTER_FLAGS = Object.fromEntries(Object.entries(FLAG_LETTERS).map(([f, l]) => [l, f]));
const STATE_FILE = 'mailsandbox.json';

interface FolderState {
  uidValidity: number;
  uidNext: number;
  subscribed: boolean;
  specialUse: string | null;
  keywords: Record<string, string[]>;
}

function flagSuffix(flags: Set<string>): string {
  return [...flags]
    .map((f) => FLAG_LETTERS[f])
    .filter(Boolean)
    .sort()
    .join('');
}

function fileName(message: StoredMessage): string {
  return `${message.id},U=${message.uid}:2,${flagSuffix(message.flags)}`;
}

export class MaildirBackend implements StoreBackend {
  private readonly host = hostname().replace(/[^A-Za-z0-9-]/g, '_');
  /** maildrop → folder name → id → current file name (flags change the name). */
  private readonly files = new Map<string, Map<string, Map<string, string>>>();

  constructor(readonly root: string) {}

  private folderDir(drop: string, name: string): string {
    const base = join(this.root, encodeName(drop));
    if (name === 'INBOX') return base;
    return join(base, '.' + name.split(HIERARCHY_DELIMITER).map(encodeName).join('.'));
  }

  private fileMap(drop: string, folder: string): Map<string, string> {
    let byFolder = this.files.get(drop);
    if (!byFolder) this.files.set(drop, (byFolder = new Map()));
    let byId = byFolder.get(folder);
    if (!byId) byFolder.set(folder, (byId = new Map()));
    return byId;
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
    const folder: Folder = {
      name,
      uidValidity: state?.uidValidity ?? Math.floor(Date.now() / 1000),
      uidNext: state?.uidNext ?? 1,
      messages: [],
      subscribed: state?.subscribed ?? special !== null,
      specialUse: state?.specialUse ?? special,
    };
    const files = this.fileMap(drop, name);
    const unnumbered: { file: string; sub: string }[] = [];
    for (const sub of ['cur', 'new']) {
      for (const file of await readdir(join(dir, sub))) {
        const match = /^(.+),U=(\d+)(?::2,([A-Za-z]*))?$/.exec(file);
        if (!match || sub === 'new') {
          unnumbered.push({ file, sub });
          continue;
        }
        const [, id, uid, letters] = match;
        const path = join(dir, sub, file);
        const [raw, info] = await Promise.all([readFile(path), stat(path)]);
        const flags = new Set<string>(
          [...(letters ?? '')].map((l) => LETTER_FLAGS[l]).filter((f): f is string => !!f),
        );
        for (const keyword of state?.keywords[id!] ?? []) flags.add(keyword);
        folder.messages.push({
          id: id!,
          uid: Number(uid),
          raw,
          internalDate: info.mtime,
          flags,
          envelope: null,
        });
        files.set(id!, file);
      }
    }
    folder.messages.sort((a, b) => a.uid - b.uid);
    const maxUid = folder.messages.at(-1)?.uid ?? 0;
    folder.uidNext = Math.max(folder.uidNext, maxUid + 1);
    // Files dropped in by hand (or by another MDA) get the next UIDs, in name order.
    for (const { file, sub } of unnumbered.sort((a, b) => (a.file < b.file ? -1 : 1))) {
      const path = join(dir, sub, file);
      const [raw, info] = await Promise.all([readFile(path), stat(path)]);
      const letters = /:2,([A-Za-z]*)$/.exec(file)?.[1] ?? '';
      const message: StoredMessage = {
        id: newMessageId(),
        uid: folder.uidNext++,
        raw,
        internalDate: info.mtime,
        flags: new Set([...letters].map((l) => LETTER_FLAGS[l]).filter((f): f is string => !!f)),
        envelope: null,
      };
      const target = fileName(message);
      await rename(path, join(dir, 'cur', target));
      files.set(message.id, target);
      folder.messages.push(message);
    }
    await this.saveFolder(drop, folder);
    return folder;
  }

  async writeMessage(drop: string, folder: Folder, message: StoredMessage): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    await mkdir(join(dir, 'cur'), { recursive: true });
    const name = fileName(message);
    const tmp = join(dir, 'tmp', `${message.id}.${process.pid}.${this.host}`);
    await writeFile(tmp, message.raw);
    await utimes(tmp, message.internalDate, message.internalDate);
    await rename(tmp, join(dir, 'cur', name));
    this.fileMap(drop, folder.name).set(message.id, name);
    // UIDNEXT must never go back, even if the newest message is expunged before a restart.
    if (hasKeywords(message) || message.uid === 1) await this.saveFolder(drop, folder);
  }

  async updateFlags(drop: string, folder: Folder, message: StoredMessage): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    const files = this.fileMap(drop, folder.name);
    const current = files.get(message.id);
    const next = fileName(message);
    if (current && current !== next) {
      await rename(join(dir, 'cur', current), join(dir, 'cur', next));
      files.set(message.id, next);
    }
    await this.saveFolder(drop, folder);
  }

  async removeMessages(drop: string, folder: Folder, messages: StoredMessage[]): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    const files = this.fileMap(drop, folder.name);
    for (const message of messages) {
      const file = files.get(message.id);
      if (file) await rm(join(dir, 'cur', file), { force: true });
      files.delete(message.id);
    }
  }

  async saveFolder(drop: string, folder: Folder): Promise<void> {
    const dir = this.folderDir(drop, folder.name);
    await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(dir, d), { recursive: true })));
    const keywords: Record<string, string[]> = {};
    for (const m of folder.messages) {
      const kw = [...m.flags].filter((f) => !f.startsWith('\\'));
      if (kw.length) keywords[m.id] = kw;
    }
    const state: FolderState = {
      uidValidity: folder.uidValidity,
      uidNext: folder.uidNext,
      subscribed: folder.subscribed,
      specialUse: folder.specialUse,
      keywords,
    };
    const tmp = join(dir, `${STATE_FILE}.tmp`);
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, join(dir, STATE_FILE));
  }

  async deleteFolder(drop: string, name: string): Promise<void> {
    await rm(this.folderDir(drop, name), { recursive: true, force: true });
    this.files.get(drop)?.delete(name);
  }

  async renameFolder(drop: string, from: string, to: string): Promise<void> {
    await rename(this.folderDir(drop, from), this.folderDir(drop, to));
    const byFolder = this.files.get(drop);
    const map = byFolder?.get(from);
    if (byFolder && map) {
      byFolder.delete(from);
      byFolder.set(to, map);
    }
  }
}

function hasKeywords(message: StoredMessage): boolean {
  for (const f of message.flags) if (!f.startsWith('\\')) return true;
  return false;
}
