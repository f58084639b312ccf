/** The typed events every session publishes on the transcript bus. */
export type Proto = 'smtp' | 'imap' | 'pop3';
export type TlsMode = 'plain' | 'starttls' | 'implicit';

interface EventBase {
  /** Position on the bus, strictly increasing. */
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  sid: string;
  proto: Proto;
}

export type TranscriptEvent = EventBase &
  (
    | {
        type: 'session-open';
        listener: string;
        localPort: number;
        tls: TlsMode;
        remoteAddress: string;
        remotePort: number;
      }
    /** A line the client sent. `decoded` carries the human reading of base64 AUTH payloads. */
    | { type: 'client-line'; line: string; decoded?: string }
    | { type: 'server-line'; line: string; decoded?: string }
    | { type: 'tls-upgraded'; how: 'implicit' | 'starttls'; protocol: string; cipher: string }
    | { type: 'auth'; mechanism: string; username: string; ok: boolean }
    | { type: 'message-stored'; id: string; size: number; from: string; recipients: string[] }
    | { type: 'scenario-action'; rule: string; action: string }
    | { type: 'note'; level: 'info' | 'warn' | 'error'; text: string }
    | { type: 'session-close'; reason: string; durationMs: number }
  );

export type TranscriptEventType = TranscriptEvent['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a publisher hands to the bus; the bus stamps `seq` and `time`. */
export type TranscriptEventInput = DistributiveOmit<TranscriptEvent, 'seq' | 'time'>;
