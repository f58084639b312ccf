/**
 * The server side of the store benchmark (bench/store.ts), in a process of its own so its RSS is the
 * sandbox's alone: `node dist/bench/store-server.js MAILDIR CERTS_DIR` starts IMAP and POP3 on
 * ephemeral ports over the Maildir and prints the ports as one JSON line; on SIGUSR2 it prints what
 * is live after a full garbage collection (run with --expose-gc) as one JSON line; SIGTERM ends it.
 */
import { startSandbox } from '../src/index.js';
import { gentleHeapGrowth } from '../src/store/heap-growth.js';

const [maildir, certsDir] = process.argv.slice(2);
// As the CLI does with --maildir (src/cli/main.ts): this process stands for `mailsandbox --maildir`.
gentleHeapGrowth();
const sandbox = await startSandbox({
  portOffset: 'ephemeral',
  listeners: ['imap', 'pop3'],
  maildir,
  certsDir,
});
console.log(JSON.stringify(sandbox.ports));
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  console.log(JSON.stringify({ heapUsed, external, arrayBuffers }));
});
process.once('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
