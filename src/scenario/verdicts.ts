import type { Rule } from './schema.js';

/**
 * The closed set of answers the engine gives at a decision point (Haraka's idea: a small set of
 * verdicts, each rendered by the protocol in its own words). Every verdict but `pass` names the rule
 * that chose it and may come after a delay (`delayMs`, jitter already drawn).
 */
export type Verdict =
  | { kind: 'pass' }
  /** Carry on normally, after `delayMs`. */
  | { kind: 'delay'; rule: string; delayMs: number }
  /** SMTP: this reply instead of the normal one; `close` closes after it (421-and-close). */
  | { kind: 'reply'; rule: string; delayMs: number; code: number; lines: string[]; close: boolean }
  | { kind: 'disconnect'; rule: string; delayMs: number; how: 'fin' | 'rst' }
  /** Stop reading and writing; close after `closeAfterMs` if given. */
  | { kind: 'stall'; rule: string; delayMs: number; closeAfterMs: number | null }
  /** From now on, at most `bytesPerSecond`; then carry on. */
  | { kind: 'throttle'; rule: string; delayMs: number; bytesPerSecond: number }
  /** From now on, writes in pieces; then carry on. */
  | { kind: 'slice'; rule: string; delayMs: number; bytes: number; pieceDelayMs: number }
  /** Cut the connection after `afterBytes` more bytes (of the reply, or of SMTP DATA). */
  | { kind: 'cut'; rule: string; delayMs: number; afterBytes: number }
  /** IMAP: tagged NO/BAD, untagged BYE (then close) or `* OK [ALERT]` (then carry on). */
  | {
      kind: 'imap-status';
      rule: string;
      delayMs: number;
      status: 'NO' | 'BAD' | 'BYE' | 'ALERT';
      code?: string;
      text: string;
    }
  | { kind: 'imap-uidvalidity-change'; rule: string; delayMs: number }
  | { kind: 'imap-expunge'; rule: string; delayMs: number }
  /** POP3: `-ERR [code] text`. */
  | { kind: 'pop3-err'; rule: string; delayMs: number; code?: string; text: string; close: boolean };

export type VerdictKind = Verdict['kind'];
export type ActiveVerdict = Exclude<Verdict, { kind: 'pass' }>;

export const PASS: Verdict = { kind: 'pass' };

const asLines = (text: string | string[]): string[] => (Array.isArray(text) ? text : [text]);

/** The verdict a rule plays, given the delay already drawn. */
export function verdictOf(rule: Rule, delayMs: number): ActiveVerdict {
  const base = { rule: rule.name, delayMs };
  if ('reply' in rule && rule.reply)
    return {
      kind: 'reply',
      ...base,
      code: rule.reply.code,
      lines: asLines(rule.reply.text),
      close: rule.reply.close,
    };
  if (rule.disconnect) return { kind: 'disconnect', ...base, how: rule.disconnect.how };
  if (rule.stall) return { kind: 'stall', ...base, closeAfterMs: rule.stall.ms ?? null };
  if (rule.throttle) return { kind: 'throttle', ...base, bytesPerSecond: rule.throttle.bytesPerSecond };
  if (rule.slice)
    return { kind: 'slice', ...base, bytes: rule.slice.bytes, pieceDelayMs: rule.slice.delayMs };
  if (rule.cut) return { kind: 'cut', ...base, afterBytes: rule.cut.afterBytes };
  if ('no' in rule && rule.no)
    return { kind: 'imap-status', ...base, status: 'NO', code: rule.no.code, text: rule.no.text };
  if ('bad' in rule && rule.bad) return { kind: 'imap-status', ...base, status: 'BAD', text: rule.bad.text };
  if ('bye' in rule && rule.bye) return { kind: 'imap-status', ...base, status: 'BYE', text: rule.bye.text };
  if ('alert' in rule && rule.alert)
    return { kind: 'imap-status', ...base, status: 'ALERT', code: 'ALERT', text: rule.alert.text };
  if ('uidvalidityChange' in rule && rule.uidvalidityChange)
    return { kind: 'imap-uidvalidity-change', ...base };
  if ('expunge' in rule && rule.expunge) return { kind: 'imap-expunge', ...base };
  if ('err' in rule && rule.err)
    return { kind: 'pop3-err', ...base, code: rule.err.code, text: rule.err.text, close: rule.err.close };
  return { kind: 'delay', ...base };
}

/** One line for the transcript's scenario-action event. */
export function describeVerdict(v: ActiveVerdict): string {
  const after = v.delayMs > 0 ? ` after ${v.delayMs} ms` : '';
  switch (v.kind) {
    case 'delay':
      return `delay ${v.delayMs} ms`;
    case 'reply':
      return `reply ${v.code} ${v.lines.join(' / ')}${v.close ? ' and close' : ''}${after}`;
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
    case 'imap-status':
      return `${v.status}${v.code ? ` [${v.code}]` : ''} ${v.text}${after}`;
    case 'imap-uidvalidity-change':
      return `UIDVALIDITY change${after}`;
    case 'imap-expunge':
      return `unsolicited EXPUNGE${after}`;
    case 'pop3-err':
      return `-ERR${v.code ? ` [${v.code}]` : ''} ${v.text}${v.close ? ' and close' : ''}${after}`;
  }
}
