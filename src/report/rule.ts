import type { TranscriptEvent } from '../transcript/events.js';
import type { FindingId } from './catalog.js';
import type { Command, Reply, SessionView } from './conversation.js';

/** Where a finding points: a line of the session's transcript and its event's seq. */
export interface At {
  line: number;
  seq: number;
}

export type Report = (id: FindingId, at: At, message: string) => void;

/** One rule family's view of one session; every hook is optional. */
export interface SessionRules {
  command?(cmd: Command): void;
  reply?(cmd: Command, reply: Reply): void;
  event?(event: TranscriptEvent, line: number): void;
}

/** A family of rules: called once per session; state shared across sessions lives in its closure. */
export type RuleFamily = (report: Report, session: SessionView) => SessionRules;

/** The SASL mechanism of an AUTH / AUTHENTICATE command, upper case. */
export function mechanismOf(cmd: Command): string {
  return (cmd.args.split(' ')[0] ?? '').toUpperCase();
}

/** Mechanisms that put the password on the wire as it is (base64 is no protection). */
export const PLAIN_TEXT_MECHANISMS = new Set(['PLAIN', 'LOGIN']);

/** True for a command that sends a password in a form anyone on the path can read. */
export function sendsPlainPassword(proto: SessionView['proto'], cmd: Command): boolean {
  if ((cmd.verb === 'AUTH' || cmd.verb === 'AUTHENTICATE') && PLAIN_TEXT_MECHANISMS.has(mechanismOf(cmd)))
    return true;
  if (proto === 'imap') return cmd.verb === 'LOGIN';
  if (proto === 'pop3') return cmd.verb === 'PASS';
  return false;
}

export function at(x: { line: number; seq: number }): At {
  return { line: x.line, seq: x.seq };
}
