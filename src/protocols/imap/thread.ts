/**
 * THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3 and §2.2 step by step) over the messages a
 * search found, and the thread list of the THREAD response (RFC 5256 §4).
 */
import type { SequencedMessage } from './mailbox-view.js';
import { fieldsOf } from './message-fields.js';
import { sentTime } from './sort-order.js';

/** A node of a thread: a message, or a dummy standing for a message the search did not find. The
 *  message's sent date, base subject and reply mark are read once, when the node is made. */
export interface Node {
  hit: SequencedMessage | null;
  parent: Node | null;
  children: Node[];
  time: number;
  subject: string;
  reply: boolean;
}

function node(hit: SequencedMessage | null, fields = hit && fieldsOf(hit.message)): Node {
  if (!hit || !fields) return { hit: null, parent: null, children: [], time: 0, subject: '', reply: false };
  return {
    hit,
    parent: null,
    children: [],
    time: sentTime(hit.message, fields),
    subject: fields.subjectKey,
    reply: fields.isReplyOrForward,
  };
}

/** The node that stands for a node's date and subject: itself, or a dummy's first child (RFC 5256 §2.2
 *  (4) and (5)). */
function representative(n: Node): Node | null {
  for (let cur: Node | undefined = n; cur; cur = cur.children[0]) if (cur.hit) return cur;
  return null;
}

/** Orders by sent date, then mailbox order (RFC 5256 §2.2: "if the sent dates are identical"). */
function sortByDate(nodes: Node[]): void {
  if (nodes.length < 2) return;
  const keyed = nodes.map((n) => ({ n, r: representative(n) }));
  keyed.sort((a, b) => (a.r && b.r ? a.r.time - b.r.time || a.r.hit!.seq - b.r.hit!.seq : 0));
  for (let i = 0; i < nodes.length; i++) nodes[i] = keyed[i]!.n;
}

function sortTree(nodes: Node[]): void {
  for (const n of nodes) if (n.children.length) sortTree(n.children);
  sortByDate(nodes);
}

/** RFC 5256 §3 ORDEREDSUBJECT: by base subject then date; each group's first message is the parent of
 *  the others; groups ordered by their first message's date. */
export function threadOrderedSubject(hits: SequencedMessage[]): Node[] {
  const all = hits.map((hit) => node(hit));
  sortByDate(all);
  const groups = new Map<string, Node>();
  const roots: Node[] = [];
  for (const n of all) {
    const root = groups.get(n.subject);
    if (root) root.children.push(n);
    else {
      groups.set(n.subject, n);
      roots.push(n);
    }
  }
  return roots;
}

function isAncestor(candidate: Node, of: Node): boolean {
  for (let cur: Node | null = of; cur; cur = cur.parent) if (cur === candidate) return true;
  return false;
}

function link(parent: Node, child: Node): void {
  if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Node): void {
  if (!child.parent) return;
  child.parent.children.splice(child.parent.children.indexOf(child), 1);
  child.parent = null;
}

/** RFC 5256 §2.2 REFERENCES, steps 1 to 6. */
export function threadReferences(hits: SequencedMessage[]): Node[] {
  // (1) one container per Message-ID; a missing or repeated id gets a container of its own.
  const byId = new Map<string, Node>();
  const containerFor = (id: string): Node => {
    let n = byId.get(id);
    if (!n) byId.set(id, (n = node(null)));
    return n;
  };
  // Messages whose Message-ID is missing or taken: their nodes are in no map, so listed here.
  const unregistered: Node[] = [];
  for (const hit of hits) {
    const fields = fieldsOf(hit.message);
    const id = fields.messageId;
    let own = node(hit, fields);
    const dummy = id === null ? undefined : byId.get(id);
    if (dummy && dummy.hit === null)
      own = Object.assign(dummy, { ...own, parent: dummy.parent, children: dummy.children });
    else if (id !== null && !dummy) byId.set(id, own);
    else unregistered.push(own);
    // (1B) link the references in order, without changing an existing parent or making a loop.
    const refs = fields.references;
    let previous: Node | null = null;
    for (const ref of refs) {
      const container = containerFor(ref);
      if (previous && !container.parent && previous !== container && !isAncestor(container, previous))
        link(previous, container);
      previous = container;
    }
    // (1C) the last reference is the parent of this message: a truncated References breaks an old link.
    unlink(own);
    if (previous && previous !== own && !isAncestor(own, previous)) link(previous, own);
  }
  // (2) the root set
  const roots: Node[] = [];
  for (const n of byId.values()) if (!n.parent) roots.push(n);
  for (const n of unregistered) if (!n.parent) roots.push(n);
  // (3) prune dummies
  const pruned = prune(roots, true);
  // (4) sort the root set by date
  sortTree(pruned);
  // (5) merge roots of the same base subject
  const merged = groupBySubject(pruned);
  // (6) sort every set of siblings by date
  sortTree(merged);
  return merged;
}

/** (3): dummies without children go; a dummy's children take its place, except at the root when it
 *  has more than one. */
function prune(nodes: Node[], atRoot: boolean): Node[] {
  const out: Node[] = [];
  for (const n of nodes) {
    if (n.children.length) {
      n.children = prune(n.children, false);
      for (const c of n.children) c.parent = n;
    }
    if (n.hit) out.push(n);
    else if (n.children.length === 0) continue;
    else if (!atRoot || n.children.length === 1)
      for (const c of n.children) {
        c.parent = atRoot ? null : n.parent;
        out.push(c);
      }
    else out.push(n);
  }
  return out;
}

/** The node whose subject stands for a root: itself, or a dummy's first child (RFC 5256 §2.2 (5)(A)). */
function subjectOf(n: Node): Node | null {
  const r = n.hit ? n : (n.children[0] ?? null);
  return r?.hit ? r : null;
}

/** (5): roots whose base subjects match become one thread. */
function groupBySubject(roots: Node[]): Node[] {
  const table = new Map<string, Node>();
  for (const root of roots) {
    const subject = subjectOf(root);
    if (!subject || subject.subject === '') continue;
    const old = table.get(subject.subject);
    if (!old || (!root.hit && old.hit) || (old.hit && subjectOf(old)!.reply && !subject.reply && root.hit))
      table.set(subject.subject, root);
  }
  const out: Node[] = [];
  for (const root of roots) {
    const subject = subjectOf(root);
    const entry = subject && subject.subject !== '' ? table.get(subject.subject) : undefined;
    if (!entry || entry === root) {
      out.push(root);
      continue;
    }
    if (!entry.hit && !root.hit) {
      for (const c of [...root.children]) link(entry, c);
    } else if (!entry.hit && root.hit) {
      link(entry, root);
    } else if (root.hit && subject!.reply && !subjectOf(entry)!.reply) {
      link(entry, root);
    } else {
      // Neither is the other's parent: both go under a new dummy, which takes the table's place.
      const dummy = node(null);
      const at = out.indexOf(entry);
      link(dummy, entry);
      link(dummy, root);
      if (at >= 0) out[at] = dummy;
      else out.push(dummy);
      table.set(subject!.subject, dummy);
    }
  }
  return out.filter((n) => !n.parent);
}

/** `(3 6 (4 23)(44 7 96))`: a single child follows its parent, several go in parentheses each. */
function nodeText(n: Node, uid: boolean): string {
  const own = n.hit ? String(uid ? n.hit.message.uid : n.hit.seq) : '';
  if (n.children.length === 0) return own;
  if (n.children.length === 1 && n.hit) return `${own} ${nodeText(n.children[0]!, uid)}`;
  const nested = n.children.map((c) => `(${nodeText(c, uid)})`).join('');
  return own ? `${own} ${nested}` : nested;
}

/** The THREAD response's data: one parenthesised thread after another. */
export function threadList(roots: Node[], uid: boolean): string {
  return roots.map((r) => `(${nodeText(r, uid)})`).join('');
}
