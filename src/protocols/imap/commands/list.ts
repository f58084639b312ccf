import type { Folder } from '../../../store/types.js';
import { HIERARCHY_DELIMITER } from '../../../store/types.js';
import { offers } from '../capabilities.js';
import { AUTHENTICATED, type CommandContext, type CommandSpec } from '../command.js';
import { quote, isQuotable } from '../compose.js';
import { mailboxFromClient, mailboxToClient, utf8Accepted } from '../mailbox-encoding.js';
import { astring } from '../parser/args.js';
import { parseList, type ListRequest } from '../parser/list-options.js';
import { parentsOf } from './mailbox-names.js';
import { statusResponse } from './status.js';
import type { ImapSession } from '../session.js';

/** `*` matches anything, `%` anything but the delimiter (RFC 3501 §6.3.8); INBOX in any case. */
function matcher(pattern: string): (name: string) => boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '%' ? '[^/]*' : ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  const inboxRe = new RegExp(`^${source}$`, 'i');
  return (name) => re.test(name) || (name === 'INBOX' && inboxRe.test(name));
}

/** A listed name as this client reads it (mUTF-7 or UTF-8, mailbox-encoding.ts), quoted or a literal;
 *  after UTF8=ACCEPT a quoted string may hold UTF-8 (RFC 6855 §3, as Dovecot sends it). */
function mailboxWire(imap: ImapSession, stored: string): string {
  const name = mailboxToClient(imap, stored);
  const utf8Quotable = utf8Accepted(imap) && name.length <= 1024 && !/[\0\r\n]/.test(name);
  return isQuotable(name) || utf8Quotable ? quote(name) : `{${Buffer.byteLength(name)}}\r\n${name}`;
}

interface Entry {
  name: string;
  attributes: string[];
  /** The folder, or null for a level that exists only as a hierarchy. */
  folder: Folder | null;
  /** RFC 5258 §3.5 CHILDINFO: a descendant meets the selection criteria. */
  childInfo?: boolean;
}

/** Every name to list: the folders and the levels above them that exist only as a hierarchy. */
function entries(folders: Folder[], subscribedOnly: boolean): Entry[] {
  const names = new Set(folders.map((f) => f.name));
  const out = new Map<string, Entry>();
  const hasChildren = (name: string) => [...names].some((n) => n.startsWith(name + HIERARCHY_DELIMITER));
  for (const folder of folders) {
    if (subscribedOnly && !folder.subscribed) continue;
    const attributes = [hasChildren(folder.name) ? '\\HasChildren' : '\\HasNoChildren'];
    if (folder.specialUse) attributes.push(folder.specialUse);
    out.set(folder.name, { name: folder.name, attributes, folder });
    for (const parent of parentsOf(folder.name))
      if (!names.has(parent) && !out.has(parent))
        out.set(parent, { name: parent, attributes: ['\\Noselect', '\\HasChildren'], folder: null });
  }
  return [...out.values()].sort(byName);
}

function byName(a: Entry, b: Entry): number {
  return a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : 1;
}

/**
 * RFC 3501 §6.3.9: when `%` stops LSUB short of a subscribed `foo/bar` and `foo` is not subscribed
 * itself, `foo` is still listed, flagged \Noselect.
 */
function unsubscribedParents(
  folders: Folder[],
  matches: (name: string) => boolean,
  listed: Set<string>,
): Entry[] {
  const subscribed = new Set(folders.filter((f) => f.subscribed).map((f) => f.name));
  const out = new Map<string, Entry>();
  for (const name of subscribed) {
    if (matches(name)) continue;
    for (const parent of parentsOf(name))
      if (!listed.has(parent) && matches(parent))
        out.set(parent, { name: parent, attributes: ['\\Noselect'], folder: null });
  }
  return [...out.values()];
}

async function lsubCommand(c: CommandContext): Promise<void> {
  const reference = mailboxFromClient(c.imap, astring(c.args[0], 'a reference name'), true);
  const pattern = mailboxFromClient(c.imap, astring(c.args[1], 'a mailbox pattern'), true);
  if (pattern === '') {
    c.imap.untagged(`LSUB (\\Noselect) "${HIERARCHY_DELIMITER}" ""`);
    return;
  }
  const matches = matcher(reference + pattern);
  const folders = await c.imap.ctx.store.folders(c.imap.account.drop);
  const listed = entries(folders, true);
  listed.push(...unsubscribedParents(folders, matches, new Set(listed.map((e) => e.name))));
  for (const entry of listed.sort(byName))
    if (matches(entry.name))
      c.imap.untagged(
        `LSUB (${entry.attributes.join(' ')}) "${HIERARCHY_DELIMITER}" ${mailboxWire(c.imap, entry.name)}`,
      );
}

const SPECIAL_USE = /^\\(Sent|Drafts|Trash|Junk|Archive|All|Flagged)$/;

/** The entries a LIST-EXTENDED request selects (RFC 5258 §3.1), CHILDINFO marked under RECURSIVEMATCH. */
function selected(all: Entry[], request: ListRequest, matches: (name: string) => boolean): Entry[] {
  const meets = (e: Entry): boolean =>
    e.folder !== null &&
    (!request.selectSubscribed || e.folder.subscribed) &&
    (!request.selectSpecialUse || e.attributes.some((a) => SPECIAL_USE.test(a)));
  const out: Entry[] = [];
  for (const entry of all) {
    if (!matches(entry.name)) continue;
    const own = meets(entry);
    const childInfo =
      request.recursiveMatch &&
      all.some((d) => d.name.startsWith(entry.name + HIERARCHY_DELIMITER) && meets(d));
    if (own || childInfo) out.push({ ...entry, childInfo });
  }
  return out;
}

async function listCommandRun(c: CommandContext): Promise<void> {
  const { imap } = c;
  const request = parseList(c.args, (capability) => offers(imap, capability));
  if (request.patterns.length === 1 && request.patterns[0] === '' && !request.extended) {
    // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root.
    imap.untagged(`LIST (\\Noselect) "${HIERARCHY_DELIMITER}" ""`);
    return;
  }
  const reference = mailboxFromClient(imap, request.reference, true);
  const patterns = request.patterns
    .filter((p) => p !== '')
    .map((p) => matcher(reference + mailboxFromClient(imap, p, true)));
  const matches = (name: string) => patterns.some((m) => m(name));
  const folders = await imap.ctx.store.folders(imap.account.drop);
  const filtering = request.selectSubscribed || request.selectSpecialUse;
  const all = entries(folders, false);
  // Sent once all are made: a bad STATUS item is a BAD with no LIST line before it (RFC 3501 §7.1.3).
  const lines: string[] = [];
  for (const entry of filtering ? selected(all, request, matches) : all.filter((e) => matches(e.name))) {
    // RFC 5258 §3.4: in an extended reply a level that exists only as a hierarchy is \NonExistent.
    const attributes = entry.attributes.map((a) =>
      request.extended && !entry.folder && a === '\\Noselect' ? '\\NonExistent' : a,
    );
    // RFC 5258 §3.4: \Subscribed when SUBSCRIBED is selected or asked to be returned.
    if ((request.selectSubscribed || request.returnSubscribed) && entry.folder?.subscribed)
      attributes.push('\\Subscribed');
    const childInfo = entry.childInfo ? ' ("CHILDINFO" ("SUBSCRIBED"))' : '';
    lines.push(
      `LIST (${attributes.join(' ')}) "${HIERARCHY_DELIMITER}" ${mailboxWire(imap, entry.name)}${childInfo}`,
    );
    // RFC 5819 §2: STATUS follows the LIST line of each selectable mailbox.
    if (request.returnStatus && entry.folder)
      lines.push(statusResponse(imap, entry.folder, request.returnStatus));
  }
  for (const line of lines) imap.untagged(line);
}

/** RFC 3501 §6.3.8, with CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154), LIST-EXTENDED (RFC 5258) and
 *  LIST-STATUS (RFC 5819). */
export const listCommand: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 5],
  handle: listCommandRun,
};

/** RFC 3501 §6.3.9 */
export const lsub: CommandSpec = { states: AUTHENTICATED, args: [2, 2], handle: lsubCommand };
