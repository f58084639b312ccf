/**
 * The base subject of RFC 5256 §2.1, which SORT (SUBJECT) and both THREAD algorithms compare, and the
 * i;ascii-casemap comparator (RFC 4790 §9.2) they compare it with.
 */

const TRAILER = /(?:[ \t]+|\(fwd\))$/i;
// subj-leader = (*subj-blob subj-refwd) / WSP; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const LEADER = /^(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:/i;
const BLOB = /^\[[^[\]]*\][ \t]*/;
const FWD_WRAPPER = /^\[fwd:(.*)\]$/i;

export interface BaseSubject {
  /** The base subject, as text (decoded from RFC 2047 by the caller). */
  text: string;
  /** RFC 5256 §2.1 (6) and step 5 of REFERENCES: a leader or trailer was removed (Re:, Fwd:, (fwd)). */
  isReplyOrForward: boolean;
}

/** RFC 5256 §2.1, steps (1) to (6), on an already decoded subject. */
export function baseSubject(subject: string): BaseSubject {
  // (1) tabs and folding become one space each, runs of spaces one space.
  let s = subject.replace(/[\t\r\n]+/g, ' ').replace(/ {2,}/g, ' ');
  let isReplyOrForward = false;
  for (let round = 0; round < 100; round++) {
    // (2) trailing "(fwd)" and whitespace
    for (let t = s.replace(TRAILER, ''); t !== s; t = s.replace(TRAILER, '')) {
      if (!/^[ \t]*$/.test(s.slice(t.length))) isReplyOrForward = true;
      s = t;
    }
    // (3)-(5) leaders and blobs, until neither changes anything
    for (;;) {
      const before = s;
      s = s.replace(/^[ \t]+/, '');
      const leader = LEADER.exec(s);
      if (leader) {
        s = s.slice(leader[0].length);
        isReplyOrForward = true;
      }
      const blob = BLOB.exec(s);
      // (4) a blob goes only when something is left after it
      if (blob && s.length > blob[0].length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // (6) "[fwd:" ... "]" around the whole subject
    const wrapped = FWD_WRAPPER.exec(s);
    if (!wrapped) break;
    s = wrapped[1]!;
    isReplyOrForward = true;
  }
  return { text: s, isReplyOrForward };
}

/** i;ascii-casemap (RFC 4790 §9.2): ASCII letters compare without case, every other character as is. */
export function asciiCasemap(text: string): string {
  return /[a-z]/.test(text) ? text.replace(/[a-z]+/g, (m) => m.toUpperCase()) : text;
}
