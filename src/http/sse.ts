/**
 * GET /api/v1/events: every transcript event as Server-Sent Events (`data:` is the event's JSONL form,
 * `id:` its bus position, so a reconnecting EventSource resumes with Last-Event-ID).
 *
 * The bus calls subscribers synchronously while a session publishes (transcript/bus.ts), so the
 * subscriber here only pushes the event onto this reader's queue; serializing and writing happen later,
 * in one batch per turn of the event loop. A reader that does not keep up (the socket stays full) lets
 * its queue grow to `limits.sseQueueEvents`; then it gets a final `dropped` event and is disconnected,
 * and the servers never wait for it.
 */
import type { ServerResponse } from 'node:http';
import type { TranscriptEvent } from '../transcript/events.js';
import { BASE_HEADERS, HttpError } from './respond.js';
import type { ApiRequest, Route } from './router.js';

const HEARTBEAT_MS = 15_000;

function frame(event: TranscriptEvent): string {
  return `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
}

export class EventStream {
  private queue: TranscriptEvent[] = [];
  private scheduled = false;
  private waitingForDrain = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxQueued: number,
    private readonly onEnd: () => void,
  ) {
    this.heartbeat = setInterval(() => this.comment('keep-alive'), HEARTBEAT_MS).unref();
    res.on('close', () => this.finish());
  }

  push(event: TranscriptEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    if (this.queue.length > this.maxQueued) {
      this.end(
        `this reader fell ${this.queue.length} events behind (limit ${this.maxQueued}) and is dropped`,
      );
      return;
    }
    if (!this.scheduled && !this.waitingForDrain) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed || this.waitingForDrain || !this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    let chunk = '';
    for (const event of batch) chunk += frame(event);
    if (!this.res.write(chunk)) {
      this.waitingForDrain = true;
      this.res.once('drain', () => {
        this.waitingForDrain = false;
        this.flush();
      });
    }
  }

  private comment(text: string): void {
    if (!this.closed && !this.waitingForDrain) this.res.write(`: ${text}\n\n`);
  }

  /** Ends the stream with a final `dropped` event saying why (a slow reader, the sandbox stopping). */
  end(reason: string): void {
    if (this.closed) return;
    const lost = this.queue.length;
    this.finish();
    this.res.end(`event: dropped\ndata: ${JSON.stringify({ reason, lost })}\n\n`);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    clearInterval(this.heartbeat);
    this.onEnd();
  }
}

function events({ req, res, url, ctx }: ApiRequest): void {
  const protos = url.searchParams.get('proto')?.split(',').filter(Boolean) ?? [];
  const sid = url.searchParams.get('sid');
  const resumeFrom = url.searchParams.get('since') ?? req.headers['last-event-id'];
  const since = resumeFrom === undefined ? null : Number(resumeFrom);
  if (since !== null && !Number.isSafeInteger(since))
    throw new HttpError(
      400,
      'bad-query',
      `since=${JSON.stringify(resumeFrom)}: give a bus position (a whole number)`,
    );
  if (ctx.streams.size >= ctx.limits.sseReaders)
    throw new HttpError(
      503,
      'too-many-readers',
      `${ctx.streams.size} event streams are open already (limit ${ctx.limits.sseReaders}): close one`,
      {},
      { 'Retry-After': '5' },
    );
  const wanted = (e: TranscriptEvent) =>
    (!protos.length || protos.includes(e.proto)) && (!sid || e.sid === sid);

  res.writeHead(200, {
    ...BASE_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    // One stream per connection: when it ends (a dropped reader), the connection goes with it.
    Connection: 'close',
    'X-Accel-Buffering': 'no',
  });
  res.write(': mailsandbox transcript events\n\n');
  const bus = ctx.sandbox.bus;
  let unsubscribe = () => {};
  const stream = new EventStream(res, ctx.limits.sseQueueEvents, () => {
    unsubscribe();
    ctx.streams.delete(stream);
  });
  ctx.streams.add(stream);
  if (since !== null) {
    // A resume replays what the ring still holds, at most half a queue so live events still fit.
    const missed = bus.history(sid ?? undefined).filter((e) => e.seq > since && wanted(e));
    for (const e of missed.slice(-Math.floor(ctx.limits.sseQueueEvents / 2))) stream.push(e);
  }
  unsubscribe = bus.subscribe((e) => {
    if (wanted(e)) stream.push(e);
  });
}

export const EVENT_ROUTES: Route[] = [{ method: 'GET', path: /^\/api\/v1\/events$/, handle: events }];
