import type { Command } from '../conversation.js';
import { at, type RuleFamily } from '../rule.js';

/** RFC 5322 §2.1.1: a line is at most 998 octets without its CRLF. */
const MAX_LINE = 998;

const NON_ASCII = /[^\x00-\x7f]/;

/** bare-lf, bare-cr, line-too-long, 8bit-without-8bitmime, smtputf8-without-extension. */
export const messageRules: RuleFamily = (report, s) => {
  let mail: Command | null = null;
  /** Whether 8BITMIME was offered when MAIL was sent (the only capability the texts name). */
  let eightBitMimeOffered = false;
  return {
    command(cmd) {
      if (s.proto !== 'smtp') return;
      if (cmd.verb === 'MAIL') {
        mail = cmd;
        eightBitMimeOffered = s.offered.has('8BITMIME');
      }
      if (cmd.verb !== 'MAIL' && cmd.verb !== 'RCPT') return;
      const utf8Asked = mail !== null && /\sSMTPUTF8\b/i.test(mail.args);
      // RFC 6531 §3.4: a UTF-8 address needs SMTPUTF8 on MAIL FROM; the parameter needs the keyword.
      if (NON_ASCII.test(cmd.args) && !utf8Asked)
        report(
          'smtputf8-without-extension',
          at(cmd),
          `${cmd.verb} has a UTF-8 address, but MAIL FROM did not say SMTPUTF8`,
        );
      else if (cmd.verb === 'MAIL' && utf8Asked && !s.offered.has('SMTPUTF8'))
        report(
          'smtputf8-without-extension',
          at(cmd),
          'MAIL FROM says SMTPUTF8, which the server did not offer',
        );
    },
    event(event, line) {
      if (event.type !== 'message-stored' || !event.shape) return;
      const where = { line, seq: event.seq };
      const shape = event.shape;
      if (shape.bareLf)
        report(
          'bare-lf',
          where,
          `message ${event.id} has lines ending in a bare LF: mail needs CRLF (servers may reject it or read it differently)`,
        );
      if (shape.bareCr) report('bare-cr', where, `message ${event.id} has a CR not followed by LF`);
      if (shape.longestLine > MAX_LINE)
        report(
          'line-too-long',
          where,
          `message ${event.id} has a line of ${shape.longestLine} octets (at most ${MAX_LINE})`,
        );
      if (
        s.proto === 'smtp' &&
        shape.eightBit &&
        mail &&
        !/\sBODY=(8BITMIME|BINARYMIME)\b/i.test(mail.args) &&
        !/\sSMTPUTF8\b/i.test(mail.args)
      )
        report(
          '8bit-without-8bitmime',
          where,
          `message ${event.id} has 8-bit octets, but MAIL FROM had no BODY=8BITMIME${eightBitMimeOffered ? '' : ' (and the server did not offer 8BITMIME)'}`,
        );
    },
  };
};
