import type { Socket } from 'node:net';
import type { WriteMeter } from '../core/reply-writer.js';

/**
 * Transport faults on a socket's write side, named as toxiproxy names them: `bandwidth` (throttle),
 * `slicer` (slice), `limit_data` (cut). They patch the socket object's `write`, so every writer of
 * that socket (smtp-server, our line protocols) is shaped without knowing. Protocol-neutral: IMAP
 * and POP3 can install them on `session.socket` the same way.
 */
export type WriteFault =
  | { kind: 'throttle'; bytesPerSecond: number }
  | { kind: 'slice'; bytes: number; pieceDelayMs: number }
  | { kind: 'cut'; afterBytes: number; onCut: (cut: CutReport) => void };

/** What a `cut` let out, for the transcript: lines recorded before it may not have reached the client. */
export interface CutReport {
  /** Bytes that went out since the fault was installed. */
  sent: number;
  /** The last bytes that went out (up to CUT_TAIL_BYTES): where the client's view stops. */
  tail: Buffer;
  /** Bytes written but held back by the cut. */
  heldBack: number;
}

const CUT_TAIL_BYTES = 60;

/**
 * One transcript line saying where a cut stopped the reply, with the last bytes shown escaped. Every
 * protocol and the proxy record their lines as far as the cut let them out (core/reply-writer.ts), so
 * the note needs no warning that the lines around it say more than the client got.
 */
export function describeCut(rule: string, cut: CutReport): string {
  const tail = JSON.stringify(cut.tail.toString('latin1'));
  return (
    `scenario rule ${rule}: the reply was cut after ${cut.sent} bytes, ending ${tail}; ` +
    `${cut.heldBack} bytes already written were not sent, nor is anything written after`
  );
}

type WriteCallback = (err?: Error | null) => void;

/** How often a throttled socket writes: 10 slices a second keep the rate smooth and timers few. */
const THROTTLE_TICK_MS = 100;

export function installWriteFault(socket: Socket, fault: WriteFault): WriteMeter {
  const original = socket.write.bind(socket) as (chunk: Buffer, cb?: WriteCallback) => boolean;
  const end = socket.end.bind(socket) as () => Socket;
  const queue: { data: Buffer; cb?: WriteCallback }[] = [];
  let pumping = false;
  /** `end()` was called while pieces were still queued: end once they are out. */
  let endWhenDrained = false;
  let budget = fault.kind === 'cut' ? fault.afterBytes : Infinity;
  /** The last bytes that went out, kept for a cut's report. */
  let tail = Buffer.alloc(0);
  let cutDone = false;
  /** Bytes handed to `write` since the fault was installed (the cut lets out the first `afterBytes`). */
  let accepted = 0;

  const piece = (): number =>
    fault.kind === 'throttle'
      ? Math.max(1, Math.floor((fault.bytesPerSecond * THROTTLE_TICK_MS) / 1000))
      : fault.kind === 'slice'
        ? fault.bytes
        : Infinity;
  const pause =
    fault.kind === 'throttle' ? THROTTLE_TICK_MS : fault.kind === 'slice' ? fault.pieceDelayMs : 0;

  const pump = (): void => {
    if (socket.destroyed) {
      queue.length = 0;
      pumping = false;
      return;
    }
    const head = queue[0];
    if (!head) {
      pumping = false;
      if (endWhenDrained) end();
      return;
    }
    const n = Math.min(piece(), head.data.length, budget);
    if (n > 0) {
      const out = head.data.subarray(0, n);
      original(out);
      budget -= n;
      if (fault.kind === 'cut') tail = Buffer.concat([tail, out]).subarray(-CUT_TAIL_BYTES);
    }
    head.data = head.data.subarray(n);
    if (head.data.length === 0) {
      queue.shift();
      head.cb?.();
    }
    if (budget <= 0 && fault.kind === 'cut') {
      const heldBack = queue.reduce((sum, q) => sum + q.data.length, 0);
      queue.length = 0;
      pumping = false;
      if (!cutDone) {
        cutDone = true;
        fault.onCut({ sent: fault.afterBytes, tail, heldBack });
      }
      return;
    }
    if (pause > 0) setTimeout(pump, pause).unref();
    else setImmediate(pump);
  };

  // A protocol that says goodbye (221, BYE, +OK) and ends the socket must not cut its queued reply.
  socket.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (chunk !== undefined && typeof chunk !== 'function') socket.write(chunk as Buffer);
    if (pumping || queue.length) endWhenDrained = true;
    else end();
    return socket;
  }) as Socket['end'];

  socket.write = ((
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    cb?: WriteCallback,
  ) => {
    const callback = typeof encoding === 'function' ? encoding : cb;
    const data =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
        : Buffer.from(chunk);
    queue.push({ data, cb: callback });
    accepted += data.length;
    if (!pumping) {
      pumping = true;
      pump();
    }
    return true;
  }) as Socket['write'];

  // Counted as the writer hands bytes over: a fault installed later wraps this one and hands them
  // over late, so only the outermost cut's meter is exact (one cut per session in practice: it ends it).
  return {
    sendable: (bytes) =>
      fault.kind === 'cut' ? Math.max(0, Math.min(bytes, fault.afterBytes - accepted)) : bytes,
  };
}
