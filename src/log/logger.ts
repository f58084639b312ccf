import pino, { type Logger } from 'pino';
import type { ListenerStatus } from '../core/listener.js';
import type { TranscriptEvent } from '../transcript/events.js';
import { describeEvent } from '../transcript/export.js';
import { EventLineWriter } from './event-lines.js';

/** What headless mode writes to: the listener/startup lines and one line per transcript event. */
export interface HeadlessLog {
  logger: Logger;
  event(event: TranscriptEvent): void;
  /** Writes out everything buffered (at exit). */
  flush(): Promise<void>;
}

/**
 * Headless output: one pino JSON line per transcript event and per listener, with fixed keys
 * (`event`, `proto`, `sid`, `dir`, `line`) and the human text last (`msg`). `pretty` renders through
 * pino-pretty as a transport target (in a worker thread, off the protocol's hot path).
 */
export function createHeadlessLog(options: { pretty: boolean }): HeadlessLog {
  if (options.pretty) {
    const logger = pino(
      { base: null },
      pino.transport({
        target: 'pino-pretty',
        options: {
          // Colour only for a terminal: `--pretty > file` must not fill the file with escape codes.
          colorize: !process.env.NO_COLOR && !!process.stdout.isTTY,
          ignore: 'event,proto,sid,dir,line,decoded',
          translateTime: 'HH:MM:ss.l',
        },
      }),
    );
    return {
      logger,
      event: (event) => logEvent(logger, event),
      flush: () => new Promise<void>((resolve) => logger.flush(() => resolve())),
    };
  }
  // The event lines come in batches of up to 256 events (EventLineWriter), each written at once.
  // Buffers, not strings: in string mode sonic-boom measures the UTF-8 length of its pending text on
  // every write. Synchronous writes, as pino's default and Node's own stdout on Linux: an
  // asynchronous write hands each batch to libuv's thread pool, which cost ~40 µs of CPU per batch.
  const sink = pino.destination({ sync: true, minLength: 0, contentMode: 'buffer' } as Parameters<
    typeof pino.destination
  >[0]);
  const events = new EventLineWriter((text) => sink.write(Buffer.from(text, 'utf8') as never));
  // pino's own lines (listening, startup) go out after the event lines queued before them.
  const ordered = {
    write(text: string) {
      events.flush();
      sink.write(Buffer.from(text, 'utf8') as never);
    },
  };
  const logger = pino({ base: null }, ordered);
  return {
    logger,
    event: (event) => events.write(event),
    flush: () =>
      new Promise<void>((resolve) => {
        events.flush();
        try {
          sink.flush(() => resolve());
        } catch {
          // Not open yet, or closed already: nothing more can be written.
          resolve();
        }
      }),
  };
}

export function logListener(logger: Logger, status: ListenerStatus): void {
  if (status.error) {
    logger.error(
      {
        event: 'listen-failed',
        proto: status.proto,
        name: status.name,
        port: status.requestedPort,
        tls: status.tls,
      },
      `${status.name}: ${status.error}`,
    );
  } else {
    logger.info(
      {
        event: 'listening',
        proto: status.proto,
        name: status.name,
        port: status.port,
        tls: status.tls,
        host: status.host,
      },
      `${status.name} (${status.proto}, ${status.tls}) listening on ${status.host}:${status.port}`,
    );
  }
}

/** One transcript event through pino (the pretty mode). */
function logEvent(logger: Logger, event: TranscriptEvent): void {
  const { seq: _seq, time: _time, type, sid, proto, ...rest } = event;
  const fields: Record<string, unknown> = { event: type, proto, sid, ...rest };
  if (type === 'client-line') fields.dir = 'C';
  if (type === 'server-line') fields.dir = 'S';
  if (type === 'note') delete fields.level; // pino's own level says it
  const text = `[${sid}] ${describeEvent(event)}`;
  if (type === 'note' && event.level !== 'info') logger[event.level](fields, text);
  else logger.info(fields, text);
}
