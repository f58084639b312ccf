/**
 * How far V8 lets the old generation grow past what was live after its last full GC, with `--maildir`.
 *
 * V8 picks that factor itself, up to 4× while the process allocates fast: serving a 100,000-message
 * Maildir (~150 MiB live) it grew the heap into a peak RSS of 550–670 MiB, most of it old space holding
 * garbage. A fixed 30 % makes it collect sooner instead (peak ~380 MiB in `npm run bench -- store`,
 * every step still ahead of Dovecot). Unlike a heap cap (`--max-old-space-size`) it never refuses
 * memory, so a bigger mailbox still loads; the price is more full GCs while the index first grows. In our
 * runs 20 % lowered the peak no further and took twice the CPU on the first pass over the mailbox;
 * 50 % gave back ~50 MiB.
 *
 * Set at run time (V8 reads the flag each time it sets the next limit), and only when Node was not
 * given the flag: `node --heap-growing-percent=0` (or NODE_OPTIONS) gives V8 its own choice back.
 */
import { setFlagsFromString } from 'node:v8';

export const MAILDIR_HEAP_GROWING_PERCENT = 30;

const FLAG = '--heap-growing-percent';

/** Whether Node was given the flag, on its command line or in NODE_OPTIONS (either spelling). */
function givenToNode(): boolean {
  const named = (arg: string) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg);
  return process.execArgv.some(named) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).some(named);
}

/** Sets the growth factor for the rest of the process, unless Node was given one. */
export function gentleHeapGrowth(percent = MAILDIR_HEAP_GROWING_PERCENT): void {
  if (givenToNode()) return;
  setFlagsFromString(`${FLAG}=${percent}`);
}
