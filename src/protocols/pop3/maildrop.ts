import { withBytes } from '../../store/disk-message.js';
import type { StoredMessage } from '../../store/types.js';
import { crlfSize } from './multiline.js';
import { errors, type Pop3Error } from './replies.js';

/** One message as this session numbers it (RFC 1939 §5: numbers fixed for the session). */
export interface ListedMessage {
  readonly number: number;
  readonly message: StoredMessage;
  /** Octets as RETR sends them (CRLF line ends, without stuffing). */
  readonly size: number;
}

export type Lookup = { ok: true; entry: ListedMessage } | { ok: false; error: Pop3Error };

/**
 * Stored messages never change their bytes, so a size is measured once per message, not per login, and
 * kept on the message: a WeakMap lookup per message made a login to 100,000 messages take 10 ms.
 */
function sizeOf(message: StoredMessage): number {
  // Measured without keeping the bytes: the first login to a large Maildir reads every body once.
  return (message.crlfSize ??= withBytes(message, crlfSize));
}

/**
 * The bytes of a listed message. A message the store dropped (`--max-messages`) or another session
 * expunged stays in this session's snapshot (RFC 1939 §5); in memory its bytes go with it, but with
 * `--maildir` its file is gone: then -ERR [SYS/TEMP] (RFC 3206 §4), not a reply that never comes.
 */
export function bodyOf(entry: ListedMessage): { ok: true; raw: Buffer } | { ok: false; error: Pop3Error } {
  try {
    return { ok: true, raw: entry.message.raw };
  } catch (err) {
    return {
      ok: false,
      error: errors.sysTemp(`message ${entry.number} cannot be read: ${(err as Error).message}`),
    };
  }
}

/** Messages up to this size are read ahead (see MaildropSnapshot.readAhead); a larger one waits for its RETR. */
const READ_AHEAD_MAX_OCTETS = 64 * 1024;

/** Longest message number we try to read: more digits cannot name a message (and would lose precision). */
const MAX_NUMBER_DIGITS = 9;

/**
 * The maildrop as it was at login: RFC 1939 §4 has the server number the messages once, when the
 * session enters TRANSACTION. Mail arriving later waits for the next session; DELE only marks.
 * Message n is `messages[n - 1]`; the ListedMessage for it is made when a command asks, so a login
 * to a large maildrop allocates two arrays, not an object per message.
 */
export class MaildropSnapshot {
  private readonly messages: readonly StoredMessage[];
  /** 1 where DELE marked the message. */
  private readonly deleted: Uint8Array;

  constructor(
    readonly maildrop: string,
    messages: readonly StoredMessage[],
  ) {
    this.messages = messages.slice();
    this.deleted = new Uint8Array(messages.length);
  }

  private entry(index: number): ListedMessage {
    const message = this.messages[index]!;
    return { number: index + 1, message, size: sizeOf(message) };
  }

  /** Messages not marked as deleted, in number order. */
  visible(): ListedMessage[] {
    const out: ListedMessage[] = [];
    for (let i = 0; i < this.messages.length; i++) if (!this.deleted[i]) out.push(this.entry(i));
    return out;
  }

  /** RFC 1939 §5 STAT: count and total size of the messages not marked as deleted. */
  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (let i = 0; i < this.messages.length; i++)
      if (!this.deleted[i]) {
        count++;
        size += sizeOf(this.messages[i]!);
      }
    return { count, size };
  }

  /** The message a client's argument names; deleted messages are no longer addressable (RFC 1939 §5). */
  find(arg: string): Lookup {
    if (!/^[0-9]+$/.test(arg))
      return { ok: false, error: errors.protocol(`invalid message number ${printableArg(arg)}`) };
    // Built only on failure: stat() walks every message, too much for each of 10,000 RETRs.
    const missing = (): Lookup => ({
      ok: false,
      error: errors.noSuchMessage(printableArg(arg), this.stat().count),
    });
    const digits = arg.replace(/^0+(?=.)/, '');
    if (digits.length > MAX_NUMBER_DIGITS) return missing();
    const index = Number(digits) - 1;
    if (index < 0 || index >= this.messages.length) return missing();
    if (this.deleted[index]) return { ok: false, error: errors.alreadyDeleted(index + 1) };
    return { ok: true, entry: this.entry(index) };
  }

  /** RFC 1939 §5 DELE: marks the message; it leaves the store at QUIT. */
  markDeleted(entry: ListedMessage): void {
    this.deleted[entry.number - 1] = 1;
  }

  /**
   * Reads the message after `entry` now, while the client reads this one: clients fetch a maildrop by
   * RETRing in number order, one reply at a time, and with `--maildir` the next RETR then finds the
   * bytes in the body cache (its slot for the last body read) instead of waiting for the file. At most
   * one small message per RETR; in memory the bytes are there already; a message that cannot be read
   * is left for its RETR to report.
   */
  readAhead(entry: ListedMessage): void {
    const index = entry.number;
    const next = this.messages[index];
    if (!next || this.deleted[index] || sizeOf(next) > READ_AHEAD_MAX_OCTETS) return;
    try {
      void next.raw;
    } catch {
      // Expunged meanwhile: its RETR says so (bodyOf).
    }
  }

  /** RFC 1939 §5 RSET: unmark every message. */
  reset(): void {
    this.deleted.fill(0);
  }

  deletedUids(): number[] {
    const uids: number[] = [];
    for (let i = 0; i < this.messages.length; i++) if (this.deleted[i]) uids.push(this.messages[i]!.uid);
    return uids;
  }
}

/** An argument echoed in an error: short and printable, whatever the client sent. */
export function printableArg(arg: string): string {
  const clean = arg.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 24 ? clean.slice(0, 24) + '...' : clean;
}
