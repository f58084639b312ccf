import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

type PathKey = string | number;

/**
 * Schema problems in words about the file: each names the value written and what is allowed
 * (`"colour" is not one of "session", …`), never zod's generic "Invalid input".
 */

/** The value at `path` as the file says it (`"colour"`, `0`, `a list of 3`), or null when absent. */
function shown(node: YamlNode | undefined): string | null {
  if (node === undefined) return null;
  if (isScalar(node)) return JSON.stringify(node.value) ?? String(node.value);
  if (isSeq(node)) return `a list of ${node.items.length}`;
  if (isMap(node)) return 'a map';
  return null;
}

const TYPE_OF: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
};

/** The reason of one issue, in words about what the file says at `path`: the bad value, what is allowed. */
export function issueReason(issue: z.core.$ZodIssue, doc: Document, path: readonly PathKey[]): string {
  const node = doc.getIn(path, true) as YamlNode | undefined;
  if (node === undefined && path.length > 0 && isMap(doc.getIn(path.slice(0, -1), true)))
    return 'missing (required)';
  const value = shown(node) ?? 'this';
  if (issue.code === 'invalid_value' && 'values' in issue)
    return `${value} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_type') {
    // `code: "452"`: the quotes make it a string; say so rather than "expected number".
    const raw = isScalar(node) ? node.value : undefined;
    if (issue.expected === 'number' && typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw))
      return `${JSON.stringify(raw)} is a string; write ${raw.trim()} (without quotes)`;
    return `${value} is not ${TYPE_OF[issue.expected] ?? issue.expected}`;
  }
  if (issue.code === 'invalid_union') {
    // `text: 5` where a string or a list of strings is wanted: name the types, not "Invalid input".
    const expected = issue.errors.map((branch) => branch.find((i) => i.path.length === 0));
    if (expected.every((i) => i?.code === 'invalid_type' || i?.code === 'invalid_value'))
      return `${value} is not ${expected.map((i) => describeExpected(i!)).join(' or ')}`;
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && /^Too (small|big)/.test(issue.message)) {
    const small = issue.code === 'too_small';
    const bound = small ? issue.minimum : issue.maximum;
    if (issue.origin === 'array')
      return `${value}: ${small ? 'needs at least' : 'takes at most'} ${String(bound)} item(s)`;
    return `${value} is too ${small ? 'small' : 'big'}: ${small ? 'at least' : 'at most'} ${String(bound)}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big')
    return `${value} is too ${issue.code === 'too_small' ? 'small' : 'big'}: ${issue.message}`;
  // Our own messages ("must be kebab-case…") read after the value.
  if (/^(must|is) /.test(issue.message)) return `${value} ${issue.message}`;
  return issue.message;
}

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return TYPE_OF[issue.expected] ?? issue.expected;
  if (issue.code === 'invalid_value')
    return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}

/**
 * A union whose value had the shape of one branch (a list where a name or a list of names is allowed)
 * failed inside it: report that branch's own problems (`per[1]: "colour" is not one of …`), not the
 * union's "Invalid input".
 */
export function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const inner = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (!inner) return [issue];
    return flattenUnions(inner.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}
