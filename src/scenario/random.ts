/**
 * The seeded random source behind probabilities and jitter. mulberry32: tiny, fast, and good enough
 * for "fail 10 % of the time" — what matters is that the same seed gives the same sequence on every
 * machine and Node version, which Math.random cannot promise.
 */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a seed with a label (protocol and session ordinal) so each session draws its own stream:
 *  two clients running at once do not shift each other's dice (FNV-1a over the label). */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A fresh seed when the user gave none; printed so the run can be replayed with `--seed`. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
