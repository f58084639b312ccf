import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { COMMANDS as IMAP_COMMANDS } from '../protocols/imap/registry.js';
import { COMMANDS as POP3_COMMANDS } from '../protocols/pop3/registry.js';

/** The SMTP commands people script first, listed first in messages; the rest follow. */
const SMTP_FIRST = ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'AUTH', 'STARTTLS'];

/**
 * What smtp-server dispatches: one `handler_VERB` method per verb (its `_getHandler`). The scenario
 * glue runs AUTH and STARTTLS itself, but under the same names, so they are in this list too.
 */
function smtpCommands(): string[] {
  const handled = Object.getOwnPropertyNames(SMTPConnection.prototype)
    .filter((name) => name.startsWith('handler_'))
    .map((name) => name.slice('handler_'.length));
  return [
    ...SMTP_FIRST.filter((c) => handled.includes(c)),
    ...handled.filter((c) => !SMTP_FIRST.includes(c)),
  ];
}

/**
 * Command names a rule's `when.command` can match, per protocol: the servers' own dispatch tables
 * (IMAP and POP3 registries, smtp-server's handlers), so a rule on a misspelt verb is refused when
 * the file is loaded instead of never firing.
 */
export const KNOWN_COMMANDS: Readonly<Record<'smtp' | 'imap' | 'pop3', readonly string[]>> = {
  smtp: smtpCommands(),
  imap: [...IMAP_COMMANDS.keys()],
  pop3: [...POP3_COMMANDS.keys()],
};
