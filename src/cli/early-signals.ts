/**
 * A Ctrl-C or SIGTERM that arrives while the sandbox is still starting (loading modules, generating
 * a certificate, binding) is a request to stop like any later one: remembered here, then acted on
 * once the sandbox can close, so the process exits 0 instead of dying by the signal. main.ts imports
 * this module first, so the handlers are in place before the rest of the program loads (on a busy
 * machine that takes most of the first second).
 */
const [first] = process.argv.slice(2);
const starting = !first || first.startsWith('-') || first === 'start';

let early: NodeJS.Signals | null = null;
const remember = (signal: NodeJS.Signals) => (early ??= signal);
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
if (starting) for (const signal of SIGNALS) process.on(signal, remember);

/** Stops remembering (the caller has its own handlers by now) and says which signal came early. */
export function earlySignal(): NodeJS.Signals | null {
  for (const signal of SIGNALS) process.off(signal, remember);
  return early;
}
