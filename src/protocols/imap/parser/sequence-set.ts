import { bad } from '../errors.js';

/**
 * Sequence sets (RFC 3501 §9 `sequence-set`): `1`, `1:*`, `*:5`, `1,3:5`. `*` stands for the largest
 * number in use, resolved when the set is applied; `0` and anything but digits, `*`, `:` and `,` are
 * syntax errors.
 */
export type SeqNumber = number | '*';
export type SequenceSet = ReadonlyArray<readonly [SeqNumber, SeqNumber]>;

const MAX = 0xffffffff;
const SET = /^(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*$/;

function number(text: string): SeqNumber {
  if (text === '*') return '*';
  const n = Number(text);
  // nz-number: 1 .. 2^32-1 (RFC 3501 §9).
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX)
    throw bad(`invalid sequence set: ${text} is not a valid number`);
  return n;
}

/** RFC 5182 §2.1: `$`, the result the last SEARCH RETURN (SAVE) kept; MailboxView.resolve knows it by
 *  identity. */
export const SAVED_RESULT: SequenceSet = Object.freeze([]);

export function parseSequenceSet(text: string): SequenceSet {
  if (text === '$') return SAVED_RESULT;
  if (!SET.test(text)) throw bad(`invalid sequence set: ${JSON.stringify(text.slice(0, 60))}`);
  return text.split(',').map((range) => {
    const [a, b] = range.split(':') as [string, string | undefined];
    const start = number(a);
    return [start, b === undefined ? start : number(b)] as const;
  });
}

export function isSequenceSet(text: string): boolean {
  return SET.test(text);
}

/** Ranges with `*` replaced by `max`, low end first, sorted and merged. */
export function resolveRanges(set: SequenceSet, max: number): [number, number][] {
  const ranges = set
    .map(([a, b]) => {
      const x = a === '*' ? max : a;
      const y = b === '*' ? max : b;
      return x <= y ? ([x, y] as [number, number]) : ([y, x] as [number, number]);
    })
    .sort((p, q) => p[0] - q[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Binary search in merged ranges. */
export function inRanges(ranges: readonly (readonly [number, number])[], n: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (n < a) hi = mid - 1;
    else if (n > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** `1:3,5` from a list of numbers (COPYUID, APPENDUID), keeping the given order as RFC 4315 §3 asks. */
export function compactSet(numbers: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    out.push(j > i ? `${numbers[i]}:${numbers[j]}` : String(numbers[i]));
    i = j + 1;
  }
  return out.join(',');
}
