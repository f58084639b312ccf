/** The typed events every session publishes on the transcript bus. */
export type Proto = 'smtp' | 'imap' | 'pop3';
export type TlsMode = 'plain' | 'starttls' | 'implicit';

export type FindingSeverity = 'info' | 'warn' | 'error';

/** Facts about a message's bytes that a client should not produce (RFC 5321 §2.3.8, RFC 5322 §2.1.1). */
export interface MessageShape {
  bareLf: boolean;
  bareCr: boolean;
  /** Longest line in octets, without its line break. */
  longestLine: number;
  /** Any octet above 127. */
  eightBit: boolean;
}

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
        /** A proxied session (src/proxy): the real server it goes to, and whether secrets are redacted. */
        proxy?: { upstream: string; redacted: boolean };
      }
    /** A line the client sent. `decoded` carries the human reading of base64 AUTH payloads. */
    | {
        type: 'client-line';
        line: string;
        decoded?: string;
        /** The line arrived before the reply to the previous command had gone out (RFC 2920). */
        pipelined?: true;
      }
    | { type: 'server-line'; line: string; decoded?: string }
    | {
        type: 'tls-upgraded';
        how: 'implicit' | 'starttls';
        protocol: string;
        cipher: string;
        /** The scenario's odd certificate the client accepted (`tls.certificate`), when it had one. */
        certificate?: 'expired' | 'wrong-host' | 'other-ca';
      }
    | { type: 'auth'; mechanism: string; username: string; ok: boolean }
    | {
        type: 'message-stored';
        id: string;
        size: number;
        from: string;
        recipients: string[];
        /** IMAP APPEND: the folder it went into (no envelope then). */
        folder?: string;
        /** What the bytes look like (bare LF/CR, long lines, 8-bit), for the findings. */
        shape?: MessageShape;
      }
    | { type: 'scenario-action'; rule: string; action: string }
    | { type: 'note'; level: 'info' | 'warn' | 'error'; text: string }
    | { type: 'session-close'; reason: string; durationMs: number }
    /** Something the client did wrong or risky (src/report/): `line` is the 1-based line of the
     *  session's transcript file it points at, `at` that event's seq. */
    | { type: 'finding'; id: string; severity: FindingSeverity; message: string; line: number; at: number }
  );

export type TranscriptEventType = TranscriptEvent['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * What a publisher hands to the bus; the bus stamps `seq` and `time`. A publisher on a hot path
 * writes `seq: 0, time: 0` last in its object literal: the stamps then go into slots the object
 * already has, at the same place in its key order, instead of a second allocation per event.
 */
export type TranscriptEventInput = DistributiveOmit<TranscriptEvent, 'seq' | 'time'> &
  Partial<Pick<EventBase, 'seq' | 'time'>>;
