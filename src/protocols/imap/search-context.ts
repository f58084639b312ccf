/**
 * Updating search contexts (RFC 5267 §4.3): a SEARCH or SORT with RETURN (UPDATE) keeps its result,
 * and as the selected mailbox changes the client hears `* ESEARCH (TAG "t") [UID] REMOVEFROM (...)`
 * and `ADDTO (...)` until CANCELUPDATE or the end of the selection.
 */
import { quote } from './compose.js';
import { bad } from './errors.js';
import type { MailboxView, SequencedMessage } from './mailbox-view.js';
import type { SearchKey } from './parser/search.js';
import { compactSet } from './parser/sequence-set.js';
import { runSearch } from './search-run.js';
import type { ImapSession } from './session.js';
import { sortMessages, type SortKey } from './sort-order.js';

/** RFC 5267 §4.3.1: a server offers at least one context per client; more are refused with NOUPDATE,
 *  which keeps the work per change bounded. */
export const MAX_UPDATE_CONTEXTS = 16;

interface UpdateContext {
  tag: string;
  uid: boolean;
  key: SearchKey;
  /** null for SEARCH: results in mailbox order, positions 0 (§4.3.3). */
  sortKeys: SortKey[] | null;
  /** The result the client holds, as UIDs in the requested order. */
  results: number[];
}

/** The contexts of one selection: they go with the view, so a new SELECT or CLOSE ends them (§4.3). */
const byView = new WeakMap<MailboxView, Map<string, UpdateContext>>();

/** §4.3: UPDATE under a tag an updating search still uses is rejected with BAD, before it runs. */
export function refuseTagReuse(view: MailboxView, tag: string): void {
  if (byView.get(view)?.has(tag)) throw bad(`tag ${tag} is in use by an updating search (tag reuse)`);
}

/** Keeps a context for `tag` with the result about to be sent. Past the limit, §4.3.1: `* NO [NOUPDATE
 *  "tag"]`, and the command's other return options are still honoured. */
export function beginUpdates(
  imap: ImapSession,
  context: Omit<UpdateContext, 'results'>,
  hits: SequencedMessage[],
): void {
  const { view } = imap.selected;
  let contexts = byView.get(view);
  if (!contexts) byView.set(view, (contexts = new Map()));
  if (contexts.size >= MAX_UPDATE_CONTEXTS) {
    imap.untagged(`NO [NOUPDATE ${quote(context.tag)}] Too many updating searches`);
    return;
  }
  contexts.set(context.tag, { ...context, results: hits.map((h) => h.message.uid) });
}

/** CANCELUPDATE (§4.3.5): ends the named contexts; returns the first tag that names none, else null. */
export function cancelUpdateContexts(view: MailboxView, tags: string[]): string | null {
  const contexts = byView.get(view);
  const unknown = tags.find((t) => !contexts?.has(t));
  if (unknown !== undefined) return unknown;
  for (const tag of tags) contexts!.delete(tag);
  return null;
}

/** The message numbers of the view now: uid → sequence number. Taken before a flush renumbers. */
export function sequenceNumbers(view: MailboxView): Map<number, number> | null {
  if (!byView.get(view)?.size) return null;
  return new Map(view.messages.map((m, i) => [m.uid, i + 1]));
}

/** `0 set` for SEARCH (mailbox order, RFC 5267 §4.3.3/§4.3.4); `position number` pairs for SORT. */
function pairs(items: { position: number; number: number }[], sorted: boolean): string {
  if (!sorted) return `0 ${compactSet(items.map((i) => i.number).sort((a, b) => a - b))}`;
  return items.map((i) => `${i.position} ${i.number}`).join(' ');
}

/**
 * The ESEARCH updates owed after the view changed. `before` numbered the messages when the client
 * last knew them: removals use those numbers and go out before the `* n EXPUNGE` lines (§4.3.4),
 * additions use the new numbers and go out after `* n EXISTS` (§4.3.3).
 */
export function contextUpdates(
  view: MailboxView,
  before: Map<number, number>,
): { removals: string[]; additions: string[] } {
  const removals: string[] = [];
  const additions: string[] = [];
  const after = new Map(view.messages.map((m, i) => [m.uid, i + 1]));
  for (const context of byView.get(view)?.values() ?? []) {
    let hits = runSearch(view, context.key);
    if (context.sortKeys) hits = sortMessages(hits, context.sortKeys);
    const now = hits.map((h) => h.message.uid);
    const nowSet = new Set(now);
    const oldSet = new Set(context.results);
    const head = `* ESEARCH (TAG ${quote(context.tag)})${context.uid ? ' UID' : ''}`;
    // Removals, each at its position in the list as the client holds it at that moment.
    const removed: { position: number; number: number }[] = [];
    let kept = 0;
    for (const uid of context.results) {
      if (nowSet.has(uid)) kept++;
      else removed.push({ position: kept + 1, number: context.uid ? uid : (before.get(uid) ?? 0) });
    }
    if (removed.length) removals.push(`${head} REMOVEFROM (${pairs(removed, !!context.sortKeys)})`);
    // Additions in final order: each lands at its final position once the earlier ones are in.
    const added: { position: number; number: number }[] = [];
    now.forEach((uid, i) => {
      if (!oldSet.has(uid)) added.push({ position: i + 1, number: context.uid ? uid : after.get(uid)! });
    });
    if (added.length) additions.push(`${head} ADDTO (${pairs(added, !!context.sortKeys)})`);
    context.results = now;
  }
  return { removals, additions };
}
