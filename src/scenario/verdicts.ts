import type { Proto } from '../transcript/events.js';
import type { Rule } from './schema.js';

/**
 * The closed set of answers the engine gives at a decision point (Haraka's idea: a small set of
 * verdicts, each rendered by the protocol in its own words). The set knows no protocol: the transport
 * verdicts (delay, disconnect, stall, throttle, slice, cut) are played once, by `playTransport` in
 * transport.ts, for every protocol; the others each protocol renders itself (SMTP `452 …`, IMAP
 * `NO […]`, POP3 `-ERR […]`). Every verdict but `pass` names the rule that chose it and may come after
 * a delay (`delayMs`, jitter already drawn).
 *
 * A new verdict: a key in schema.ts's rules, a member here and in `verdictOf`, then either a case in
 * `playTransport` (a transport verdict) or a case in each protocol's renderer that can use it.
 */
export type Verdict =
  | { kind: 'pass' }
  /** Carry on normally, after `delayMs`. */
  | { kind: 'delay'; rule: string; delayMs: number }
  /**
   * Answer with a refusal instead of going on. `replyCode`: a numeric reply code (SMTP's 452), null
   * where the protocol has none; `code`: a bracketed response code (IMAP's and POP3's `[IN-USE]`);
   * `invalid`: the command itself is refused as wrong rather than failed (IMAP BAD); `close`: the
   * connection ends after it (SMTP 421-and-close, IMAP BYE, POP3 -ERR and close).
   */
  | {
      kind: 'refuse';
      rule: string;
      delayMs: number;
      replyCode: number | null;
      code: string | null;
      lines: string[];
      invalid: boolean;
      close: boolean;
    }
  /** A message the client must show its user, then carry on (IMAP `* OK [ALERT]`). */
  | { kind: 'notice'; rule: string; delayMs: number; code: string | null; text: string }
  /** The mailbox's identifiers start over: clients must forget what they cached (IMAP UIDVALIDITY). */
  | { kind: 'renumber'; rule: string; delayMs: number }
  /** The newest message disappears under the session, as if another client removed it (IMAP EXPUNGE). */
  | { kind: 'vanish'; rule: string; delayMs: number }
  /** The server's sync bookkeeping goes wrong under the client (IMAP: HIGHESTMODSEQ going back, VANISHED
   *  for UIDs never seen, an unasked [CLOSED], a corrupt compressed stream). */
  | {
      kind: 'desync';
      rule: string;
      delayMs: number;
      fault: 'modseq-backwards' | 'vanished-unknown' | 'closed' | 'corrupt-stream';
    }
  | { kind: 'disconnect'; rule: string; delayMs: number; how: 'fin' | 'rst' }
  /** Stop reading and writing; close after `closeAfterMs` if given. */
  | { kind: 'stall'; rule: string; delayMs: number; closeAfterMs: number | null }
  /** From now on, at most `bytesPerSecond`; then carry on. */
  | { kind: 'throttle'; rule: string; delayMs: number; bytesPerSecond: number }
  /** From now on, writes in pieces; then carry on. */
  | { kind: 'slice'; rule: string; delayMs: number; bytes: number; pieceDelayMs: number }
  /** Cut the connection after `afterBytes` more bytes (of the reply, or of SMTP DATA). */
  | { kind: 'cut'; rule: string; delayMs: number; afterBytes: number };

export type VerdictKind = Verdict['kind'];
export type ActiveVerdict = Exclude<Verdict, { kind: 'pass' }>;
/** The verdicts played the same way in every protocol (transport.ts). */
export type TransportVerdict = Extract<
  ActiveVerdict,
  { kind: 'delay' | 'disconnect' | 'stall' | 'throttle' | 'slice' | 'cut' }
>;

export const PASS: Verdict = { kind: 'pass' };

const asLines = (text: string | string[]): string[] => (Array.isArray(text) ? text : [text]);

type Refusal = Extract<Verdict, { kind: 'refuse' }>;

/** A plain refusal by `rule` (no codes, not closing): the start every refusal is built from. */
export function refusal(rule: string, delayMs = 0): Omit<Refusal, 'lines'> {
  return { kind: 'refuse', rule, delayMs, replyCode: null, code: null, invalid: false, close: false };
}

/** The verdict a rule plays, given the delay already drawn. */
export function verdictOf(rule: Rule, delayMs: number): ActiveVerdict {
  const base = { rule: rule.name, delayMs };
  const refuse = refusal(rule.name, delayMs);
  if ('reply' in rule && rule.reply)
    return {
      ...refuse,
      replyCode: rule.reply.code,
      lines: asLines(rule.reply.text),
      close: rule.reply.close,
    };
  if (rule.disconnect) return { kind: 'disconnect', ...base, how: rule.disconnect.how };
  if (rule.stall) return { kind: 'stall', ...base, closeAfterMs: rule.stall.ms ?? null };
  if (rule.throttle) return { kind: 'throttle', ...base, bytesPerSecond: rule.throttle.bytesPerSecond };
  if (rule.slice)
    return { kind: 'slice', ...base, bytes: rule.slice.bytes, pieceDelayMs: rule.slice.delayMs };
  if (rule.cut) return { kind: 'cut', ...base, afterBytes: rule.cut.afterBytes };
  if ('no' in rule && rule.no) return { ...refuse, code: rule.no.code ?? null, lines: [rule.no.text] };
  if ('bad' in rule && rule.bad) return { ...refuse, lines: [rule.bad.text], invalid: true };
  if ('bye' in rule && rule.bye) return { ...refuse, lines: [rule.bye.text], close: true };
  if ('alert' in rule && rule.alert) return { kind: 'notice', ...base, code: 'ALERT', text: rule.alert.text };
  if ('uidvalidityChange' in rule && rule.uidvalidityChange) return { kind: 'renumber', ...base };
  if ('expunge' in rule && rule.expunge) return { kind: 'vanish', ...base };
  if ('syncFault' in rule && rule.syncFault) return { kind: 'desync', ...base, fault: rule.syncFault };
  if ('err' in rule && rule.err)
    return { ...refuse, code: rule.err.code ?? null, lines: [rule.err.text], close: rule.err.close };
  return { kind: 'delay', ...base };
}

/** A protocol's reading of the verdicts it renders in its own words, for the transcript. */
export type VerdictWords = (v: ActiveVerdict, after: string) => string | undefined;

const wordsByProto = new Map<Proto, VerdictWords>();

/**
 * A protocol says how its own verdicts read in the transcript (IMAP `NO [code] text`), once, when its
 * module loads; verdicts it leaves undefined read as below.
 */
export function registerVerdictWords(proto: Proto, words: VerdictWords): void {
  wordsByProto.set(proto, words);
}

/** One line for the transcript's scenario-action event, in the words of the protocol that asked. */
export function describeVerdict(v: ActiveVerdict, proto: Proto): string {
  const after = v.delayMs > 0 ? ` after ${v.delayMs} ms` : '';
  const own = wordsByProto.get(proto)?.(v, after);
  if (own !== undefined) return own;
  switch (v.kind) {
    case 'delay':
      return `delay ${v.delayMs} ms`;
    case 'refuse': {
      const code = v.replyCode ?? (v.code ? `[${v.code}]` : 'refuse');
      return `reply ${code} ${v.lines.join(' / ')}${v.close ? ' and close' : ''}${after}`;
    }
    case 'notice':
      return `notice${v.code ? ` [${v.code}]` : ''} ${v.text}${after}`;
    case 'renumber':
      return `renumber the mailbox${after}`;
    case 'vanish':
      return `remove the newest message${after}`;
    case 'desync':
      return `sync fault ${v.fault}${after}`;
    case 'disconnect':
      return `disconnect (${v.how === 'rst' ? 'RST' : 'FIN'})${after}`;
    case 'stall':
      return `stall${v.closeAfterMs !== null ? `, close after ${v.closeAfterMs} ms` : ''}${after}`;
    case 'throttle':
      return `throttle to ${v.bytesPerSecond} bytes/s${after}`;
    case 'slice':
      return `slice writes into ${v.bytes}-byte pieces ${v.pieceDelayMs} ms apart${after}`;
    case 'cut':
      return `cut the connection after ${v.afterBytes} bytes${after}`;
  }
}
