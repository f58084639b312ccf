import { auth } from './commands/auth.js';
import { ehloReply } from './commands/ehlo.js';
import { starttls } from './commands/starttls.js';
import type { SmtpConversation } from './conversation.js';

/** A command line split at its first space: the upper-case wire name and the rest as typed. */
export interface SmtpCommandLine {
  name: string;
  args: string;
}

/** Runs a command once the scenario let its line through: `proceed` hands it to smtp-server. */
export type CommandRun = (
  conv: SmtpConversation,
  line: SmtpCommandLine,
  proceed: () => void,
  done: () => void,
) => void;

/** Rewrites smtp-server's reply to a command before it is written (code, lines without the code). */
export type ReplyEdit = (conv: SmtpConversation, code: number, lines: string[]) => string[];

export interface SmtpCommand {
  /** What runs after the scenario's `command` question; absent: smtp-server's own handler. */
  run?: CommandRun;
  /** The scenario is asked in smtp-server's hook instead, once it parsed the arguments (server.ts). */
  askedIn?: 'onMailFrom' | 'onRcptTo';
  /** Our change to smtp-server's reply. */
  reply?: ReplyEdit;
  /** What else happens elsewhere, for the reader. */
  then?: string;
}

/**
 * SMTP by wire name. Every line is recorded and the scenario asked at `command` (conversation.ts),
 * then its row says who answers. Commands without a row are smtp-server's (500 for unknown ones).
 */
export const SMTP_COMMANDS: ReadonlyMap<string, SmtpCommand> = new Map<string, SmtpCommand>([
  ['EHLO', { reply: ehloReply }],
  ['LHLO', { reply: ehloReply }],
  ['HELO', {}],
  ['STARTTLS', { run: starttls, then: 'onSecure in server.ts' }],
  ['AUTH', { run: auth }],
  ['MAIL', { askedIn: 'onMailFrom', then: 'mailFrom() in commands/envelope.ts' }],
  ['RCPT', { askedIn: 'onRcptTo', then: 'rcptTo() in commands/envelope.ts' }],
  ['DATA', { then: 'receiveMessage() in commands/data.ts, from onData: cut, data-end, store' }],
  ['RSET', {}],
  ['NOOP', {}],
  ['VRFY', {}],
  ['HELP', {}],
  ['QUIT', { then: "server.ts notes smtp-server's closing 221" }],
]);
