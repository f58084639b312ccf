import pino, { type Logger } from 'pino';
import type { ListenerStatus } from '../core/listener.js';
import type { TranscriptEvent } from '../transcript/events.js';
import { formatEvent } from '../transcript/export.js';

/**
 * Headless output: one pino JSON line per transcript event and per listener, with fixed keys
 * (`event`, `proto`, `sid`, `dir`, `line`) and the human text last (`msg`). `pretty` renders through
 * pino-pretty as a transport target (in a worker thread, off the protocol's hot path).
 */
export function createLogger(options: { pretty: boolean; destination?: NodeJS.WritableStream }): Logger {
  if (options.pretty) {
    return pino(
      { base: null },
      pino.transport({
        target: 'pino-pretty',
        options: {
          colorize: !process.env.NO_COLOR,
          ignore: 'event,proto,sid,dir,line,decoded',
          translateTime: 'HH:MM:ss.l',
        },
      }),
    );
  }
  if (options.destination) return pino({ base: null }, options.destination);
  // Lines are gathered into 8 KiB writes (one syscall per line cost a third of the server's CPU
  // under load) and flushed at least every 50 ms, so a follower of the log still sees it live.
  const destination = pino.destination({ sync: false, minLength: 8 * 1024 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not open yet, or closed at exit: the next tick or the final flush takes it.
    }
  }, 50).unref();
  return pino({ base: null }, destination);
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

export function logEvent(logger: Logger, event: TranscriptEvent): void {
  const { seq: _seq, time: _time, type, sid, proto, ...rest } = event;
  const fields: Record<string, unknown> = { event: type, proto, sid, ...rest };
  if (type === 'client-line') fields.dir = 'C';
  if (type === 'server-line') fields.dir = 'S';
  const text = `[${sid}] ${formatEvent(event).slice(13)}`;
  if (type === 'note' && event.level !== 'info') logger[event.level](fields, text);
  else logger.info(fields, text);
}
