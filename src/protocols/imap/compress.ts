import type { Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import type { Session } from '../../core/session.js';

/**
 * COMPRESS=DEFLATE (RFC 4978) under a session, without the session knowing: the socket's readers get
 * the inflated bytes and its writes are deflated (raw deflate, RFC 1951), each write ending in a sync
 * flush so the client can read every response at once (§4). The session keeps recording plain lines,
 * so the transcript shows what the client meant and read. Wrapping the socket's own `write`, `end` and
 * `data` listeners is the same seam scenario/faults.ts uses for throttles and cuts.
 */
export interface Compression {
  /** Bytes the deflate stream never made, straight onto the wire (a scenario's corrupt stream). */
  corrupt(bytes: Buffer): void;
}

const active = new WeakMap<Session, Compression>();

export function compressionOf(session: Session): Compression | null {
  return active.get(session) ?? null;
}

type WriteCallback = (err?: Error | null) => void;

/** Starts deflate both ways; the tagged OK must already have gone out uncompressed (RFC 4978 §3). */
export function startCompression(session: Session): Compression {
  const socket: Socket = session.socket;
  const write = socket.write.bind(socket) as (chunk: Buffer, cb?: WriteCallback) => boolean;
  const end = socket.end.bind(socket) as () => Socket;

  const inflate = createInflateRaw();
  const readers = socket.listeners('data') as ((chunk: Buffer) => void)[];
  socket.removeAllListeners('data');
  socket.on('data', (chunk: Buffer) => inflate.write(chunk));
  inflate.on('data', (chunk: Buffer) => {
    for (const reader of readers) reader.call(socket, chunk);
  });
  inflate.on('error', (err) => {
    session.note('warn', `COMPRESS: the client's deflate stream is corrupt (${err.message})`);
    session.close('corrupt compressed input');
    socket.destroy();
  });

  const deflate = createDeflateRaw({ flush: constants.Z_SYNC_FLUSH });
  deflate.on('data', (chunk: Buffer) => {
    if (!socket.destroyed) write(chunk);
  });
  deflate.on('error', () => socket.destroy());
  const writeDeflated = (chunk: string | Buffer, ...rest: unknown[]): boolean => {
    const cb = rest.find((r): r is WriteCallback => typeof r === 'function');
    return deflate.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk, cb);
  };
  socket.write = writeDeflated as typeof socket.write;
  // Back-pressure through the deflate stream: the session's drained() waits on the socket, so the socket
  // reports the deflater's full buffer too and says 'drain' when it empties (a FETCH of a whole mailbox
  // streams instead of piling up inside zlib).
  const needDrain = inheritedGetter(socket, 'writableNeedDrain');
  Object.defineProperty(socket, 'writableNeedDrain', {
    configurable: true,
    get: () => deflate.writableNeedDrain || Boolean(needDrain?.call(socket)),
  });
  deflate.on('drain', () => socket.emit('drain'));
  // What was deflated reaches the wire before the FIN (a LOGOUT's BYE and OK).
  socket.end = ((): Socket => {
    deflate.end();
    deflate.once('end', () => end());
    return socket;
  }) as typeof socket.end;
  socket.once('close', () => {
    inflate.destroy();
    deflate.destroy();
  });

  const compression: Compression = {
    corrupt(bytes) {
      // After what was deflated so far, so the client reads those responses and then the garbage.
      deflate.write(Buffer.alloc(0), () => {
        if (!socket.destroyed) write(bytes);
      });
    },
  };
  active.set(session, compression);
  session.note('info', 'COMPRESS=DEFLATE active: bytes on the wire are deflated both ways from here on');
  return compression;
}

/** The getter `name` has on the object's prototype chain (Writable's `writableNeedDrain`). */
function inheritedGetter(object: object, name: string): (() => unknown) | undefined {
  for (
    let proto = Object.getPrototypeOf(object) as object | null;
    proto;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (descriptor) return descriptor.get;
  }
  return undefined;
}
