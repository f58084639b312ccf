import type {
  MessageShape,
  Proto,
  TranscriptEvent,
  TranscriptEventInput,
} from '../../src/transcript/events.js';
import { FindingsRunner } from '../../src/report/runner.js';

type Input = TranscriptEventInput;

/** Builds one session's events by hand, as the protocols would publish them. */
export function session(
  proto: Proto,
  sid: string,
  opts: { time?: number; client?: string; listener?: string } = {},
) {
  const events: Input[] = [];
  const base = { sid, proto };
  let time = opts.time ?? 1_000_000;
  const times: number[] = [];
  const push = (e: Input) => {
    events.push(e);
    times.push(time++);
  };
  push({
    ...base,
    type: 'session-open',
    listener: opts.listener ?? proto,
    localPort: 1,
    tls: 'plain',
    remoteAddress: opts.client ?? '127.0.0.1',
    remotePort: 5000,
  });
  const b = {
    c(line: string, extra: { pipelined?: true } = {}) {
      push({ ...base, type: 'client-line', line, ...extra });
      return b;
    },
    s(...lines: string[]) {
      for (const line of lines) push({ ...base, type: 'server-line', line });
      return b;
    },
    tls(
      protocol = 'TLSv1.3',
      how: 'implicit' | 'starttls' = 'starttls',
      certificate?: 'expired' | 'wrong-host' | 'other-ca',
    ) {
      push({ ...base, type: 'tls-upgraded', how, protocol, cipher: 'X', certificate });
      return b;
    },
    auth(mechanism: string, username: string, ok: boolean) {
      push({ ...base, type: 'auth', mechanism, username, ok });
      return b;
    },
    stored(shape: Partial<MessageShape>) {
      push({
        ...base,
        type: 'message-stored',
        id: 'M1',
        size: 10,
        from: 'a@b',
        recipients: ['c@d'],
        shape: { bareLf: false, bareCr: false, longestLine: 10, eightBit: false, ...shape },
      });
      return b;
    },
    close(reason = 'client closed the connection') {
      push({ ...base, type: 'session-close', reason, durationMs: 1 });
      return b;
    },
    wait(ms: number) {
      time += ms;
      return b;
    },
    events(seq0 = 0): TranscriptEvent[] {
      return events.map((e, i) => ({ ...e, seq: seq0 + i + 1, time: times[i]! }) as TranscriptEvent);
    },
  };
  return b;
}

/** Runs sessions (in the order given, seqs renumbered) and returns each session's findings. */
export function findingsOf(...sessions: ReturnType<typeof session>[]) {
  const runner = new FindingsRunner();
  let seq = 0;
  for (const s of sessions) {
    const events = s.events(seq);
    seq += events.length;
    for (const e of events) runner.ingest(e);
  }
  return runner.report().sessions.map((s) => s.findings);
}

export function ids(...sessions: ReturnType<typeof session>[]): string[] {
  return findingsOf(...sessions)
    .flat()
    .map((f) => f.id);
}

export const EHLO_REPLY = [
  '250-mailsandbox.localhost',
  '250-PIPELINING',
  '250-8BITMIME',
  '250-SMTPUTF8',
  '250-STARTTLS',
  '250 SIZE 1000',
];
