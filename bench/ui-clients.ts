/**
 * The UI bench's load (bench/ui.ts): SMTP clients that each send one message per connection, in a
 * loop, flat out or paced to a rate shared by all of them.
 */
import { connect } from 'node:net';

/** One message over a fresh connection; `onOpen` gets the client's port when TCP is up. */
export function sendMessage(port: number, n: number, onOpen: (localPort: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const script = [
      'EHLO bench.test',
      `MAIL FROM:<bench${n}@bench.test>`,
      'RCPT TO:<sink@bench.test>',
      'DATA',
      `Subject: bench ${n}\r\n\r\nhello ${n}\r\n.`,
      'QUIT',
    ];
    const expect = ['220', '250', '250', '250', '354', '250', '221'];
    let step = 0;
    let buffer = '';
    const timer = setTimeout(() => socket.destroy(new Error('message timed out')), 20_000);
    socket.setEncoding('latin1');
    socket.on('connect', () => onOpen(socket.localPort!));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (line[3] === '-') continue; // RFC 5321 §4.2.1: a multi-line reply ends at "code SP"
        if (!line.startsWith(expect[step]!)) {
          socket.destroy(new Error(`expected ${expect[step]}, got ${line}`));
          return;
        }
        if (step < script.length) socket.write(script[step]! + '\r\n');
        step++;
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (step === expect.length) resolve();
      else reject(new Error(`connection closed at step ${step}`));
    });
    socket.on('error', () => {});
  });
}

/** Spaces message starts evenly across all clients (null: flat out). */
export function pacer(perSecond: number | null): () => Promise<void> {
  if (perSecond === null) return async () => {};
  const interval = 1000 / perSecond;
  let next = Date.now();
  return () => {
    next = Math.max(next + interval, Date.now());
    const wait = next - Date.now();
    return new Promise((r) => setTimeout(r, wait));
  };
}

/** `clients` connections at a time until `seconds` have passed (the ones in flight are finished). */
export async function clientLoop(
  port: number,
  clients: number,
  seconds: number,
  perSecond: number | null,
  onOpen: (localPort: number) => void,
): Promise<{ messages: number; failures: number }> {
  const until = Date.now() + seconds * 1000;
  const pace = pacer(perSecond);
  let messages = 0;
  let failures = 0;
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        await pace();
        if (Date.now() >= until) break;
        try {
          await sendMessage(port, n++, onOpen);
          messages++;
        } catch {
          failures++;
        }
      }
    }),
  );
  return { messages, failures };
}
