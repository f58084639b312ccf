import type { Folder } from '../../../store/types.js';
import { HIERARCHY_DELIMITER } from '../../../store/types.js';
import { AUTHENTICATED, type CommandContext, type CommandSpec } from '../command.js';
import { quote, isQuotable } from '../compose.js';
import { bad } from '../errors.js';
import { astring } from '../parser/args.js';
import type { Token } from '../parser/tokenizer.js';
import { parentsOf } from './mailbox-names.js';

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

function mailboxWire(name: string): string {
  return isQuotable(name) ? quote(name) : `{${Buffer.byteLength(name)}}\r\n${name}`;
}

interface Entry {
  name: string;
  attributes: string[];
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
    out.set(folder.name, { name: folder.name, attributes });
    for (const parent of parentsOf(folder.name))
      if (!names.has(parent) && !out.has(parent))
        out.set(parent, { name: parent, attributes: ['\\Noselect', '\\HasChildren'] });
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
        out.set(parent, { name: parent, attributes: ['\\Noselect'] });
  }
  return [...out.values()];
}

async function list(c: CommandContext, lsub: boolean): Promise<void> {
  let args: Token[] = c.args;
  let specialUseOnly = false;
  // RFC 5258 / RFC 6154 §3: `LIST (SPECIAL-USE) "" "*"` and `... RETURN (SPECIAL-USE)` are tolerated;
  // special-use attributes and \HasChildren are always returned.
  if (!lsub && args[0]?.type === 'list') {
    specialUseOnly = args[0].items.some((t) => t.type === 'atom' && t.value.toUpperCase() === 'SPECIAL-USE');
    args = args.slice(1);
  }
  if (!lsub && args.length > 2 && args[2]?.type === 'atom' && args[2].value.toUpperCase() === 'RETURN')
    args = args.slice(0, 2);
  if (args.length !== 2) throw bad(`${c.name} takes a reference and a mailbox pattern`);
  const reference = astring(args[0], 'a reference name');
  const pattern = astring(args[1], 'a mailbox pattern');
  const verb = lsub ? 'LSUB' : 'LIST';
  if (pattern === '') {
    // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root.
    c.imap.untagged(`${verb} (\\Noselect) "${HIERARCHY_DELIMITER}" ""`);
    return;
  }
  const matches = matcher(reference + pattern);
  const folders = await c.imap.ctx.store.folders(c.imap.account.drop);
  const listed = entries(folders, lsub);
  if (lsub) {
    listed.push(...unsubscribedParents(folders, matches, new Set(listed.map((e) => e.name))));
    listed.sort(byName);
  }
  for (const entry of listed) {
    if (!matches(entry.name)) continue;
    if (
      specialUseOnly &&
      !entry.attributes.some((a) => /^\\(Sent|Drafts|Trash|Junk|Archive|All|Flagged)$/.test(a))
    )
      continue;
    c.imap.untagged(
      `${verb} (${entry.attributes.join(' ')}) "${HIERARCHY_DELIMITER}" ${mailboxWire(entry.name)}`,
    );
  }
}

/** RFC 3501 §6.3.8, with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154) attributes. */
export const listCommand: CommandSpec = {
  states: AUTHENTICATED,
  args: [2, 5],
  handle: (c) => list(c, false),
};

/** RFC 3501 §6.3.9 */
export const lsub: CommandSpec = { states: AUTHENTICATED, args: [2, 2], handle: (c) => list(c, true) };
