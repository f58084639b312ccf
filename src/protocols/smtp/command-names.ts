import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** The SMTP commands people script first, listed first in messages; the rest follow. */
const SMTP_FIRST = ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'AUTH', 'STARTTLS'];

/**
 * What smtp-server dispatches: one `handler_VERB` method per verb (its `_getHandler`). Our own rows in
 * commands.ts (AUTH, STARTTLS) run under the same names, so they are in this list too.
 */
export function smtpCommandNames(): string[] {
  const handled = Object.getOwnPropertyNames(SMTPConnection.prototype)
    .filter((name) => name.startsWith('handler_'))
    .map((name) => name.slice('handler_'.length));
  return [
    ...SMTP_FIRST.filter((c) => handled.includes(c)),
    ...handled.filter((c) => !SMTP_FIRST.includes(c)),
  ];
}
