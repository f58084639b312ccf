/**
 * Every size and time cap of the sandbox, each with the attack or accident it stops.
 * Library callers may override any of them through `startSandbox({ limits })`.
 */
export interface Limits {
  /** Longest command line a client may send (bytes, without CRLF). Stops a client that never sends CRLF
   *  from growing a buffer without end; RFC 5321 §4.5.3.1.4 asks for 512, IMAP clients send far longer
   *  UID sets, so 64 KiB. */
  maxLineBytes: number;
  /** Largest message accepted over SMTP (advertised as SIZE) and largest IMAP APPEND literal. Stops a
   *  client from filling memory with one message. */
  maxMessageBytes: number;
  /** Largest IMAP literal that is not a message (a search string, a mailbox name). */
  maxSmallLiteralBytes: number;
  /** Time without any byte from the client before the session is closed. Stops idle connections from
   *  piling up. */
  idleTimeoutMs: number;
  /** Time a client may take to finish one command line once it has started it. Stops slow-loris
   *  clients that trickle one byte at a time and so never trip the idle timeout. */
  commandTimeoutMs: number;
  /** Time an implicit-TLS or STARTTLS handshake may take. Stops a client that opens TLS and stalls. */
  tlsHandshakeTimeoutMs: number;
  /** Commands that may wait, unanswered, in one session's queue before the socket is paused. Stops a
   *  client that pipelines without reading replies from buffering replies without a limit. */
  maxQueuedCommands: number;
  /** Protocol errors in a row before the server says goodbye. Stops a client (or a port scanner)
   *  that sends garbage from keeping a session busy. */
  maxErrorsInARow: number;
  /** Time an IMAP client may sit in IDLE without a byte. Replaces the idle timeout while IDLE runs:
   *  RFC 2177 clients re-issue IDLE only every 29 minutes and RFC 3501 §5.4 wants an autologout timer
   *  of at least 30; it still ends connections whose client vanished. */
  imapIdleTimeoutMs: number;
  /** Sessions one listener holds at once; past it a new client gets the protocol's "too many
   *  connections" goodbye. Stops a client that opens connections in a loop from exhausting file
   *  descriptors and memory; high enough for 10,000 idle sessions on each listener. */
  maxConnections: number;
  /** How long a shutdown lets a command in progress finish (a DATA whose final dot is on its way)
   *  before every session gets its goodbye (421 4.3.2 / * BYE / -ERR), as postfix does. */
  shutdownGraceMs: number;
  /** Transcript events kept in memory (ring buffer), all sessions together. */
  transcriptEvents: number;
  /** Bytes of transcript kept in memory, as the bus estimates them (a line counts its characters plus
   *  about 100 bytes): past it the oldest events go even if fewer than `transcriptEvents` are kept.
   *  Stops a flood of long lines (100,000 FETCH responses of a big mailbox) from taking hundreds of MB.
   *  8 MiB holds ~60,000 SMTP lines (thousands of sessions) but only ~12,000 FETCH responses of 600
   *  characters. It was 32: every kept event outlives V8's young generation, so a FETCH of a whole
   *  100,000-message mailbox moved its 100,000 lines into the old generation as they went by, and at
   *  32 MiB that churn alone was ~30 MiB of the sandbox's peak RSS (npm run bench -- store). */
  transcriptBytes: number;
  /** Characters of one transcript line kept; the rest is replaced by a count. */
  transcriptLineChars: number;
  /** Largest request body the HTTP API reads (a scenario document). Stops a client from filling memory
   *  with one PUT; answered with 413. */
  httpBodyBytes: number;
  /** Transcript events waiting for one slow Server-Sent Events reader. Past it the reader is dropped with
   *  a final event, so a stalled browser tab never holds memory or slows the mail servers. */
  sseQueueEvents: number;
  /** Server-Sent Events readers at once. Stops a client that opens stream after stream from making every
   *  transcript event fan out without end; the next one gets 503. */
  sseReaders: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxLineBytes: 64 * 1024,
  maxMessageBytes: 50 * 1024 * 1024,
  maxSmallLiteralBytes: 64 * 1024,
  idleTimeoutMs: 5 * 60 * 1000,
  commandTimeoutMs: 60 * 1000,
  tlsHandshakeTimeoutMs: 15 * 1000,
  maxQueuedCommands: 100,
  maxErrorsInARow: 20,
  imapIdleTimeoutMs: 31 * 60 * 1000,
  maxConnections: 10_500,
  shutdownGraceMs: 3_000,
  transcriptEvents: 100_000,
  transcriptBytes: 8 * 1024 * 1024,
  transcriptLineChars: 2_000,
  httpBodyBytes: 1024 * 1024,
  sseQueueEvents: 10_000,
  sseReaders: 32,
};

export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * Caps on scenario files, checked before (size) and while (aliases, rules) they are parsed. A
 * scenario is a hand-written page of rules: a 52 MB file of 190,000 rules took 48 s and 3.1 GB to
 * validate, and a few lines of YAML aliases can expand to billions of nodes.
 */
export const SCENARIO_LIMITS = {
  /** Largest scenario file read at all (refused before parsing): the biggest shipped one is ~3 KB. */
  maxFileBytes: 1024 * 1024,
  /** Rules in one list (`rules`, `smtp.rules`, …): every decision point asks each rule in turn. */
  maxRules: 1_000,
  /** Alias expansions (YAML's maxAliasCount): stops a "billion laughs" document; no scenario needs many. */
  maxAliasCount: 100,
} as const;
