import type { Command } from '../conversation.js';
import { at, sendsPlainPassword, type RuleFamily } from '../rule.js';

/** Commands that only ask about the server: sending them in plain text before STARTTLS is fine. */
const HARMLESS = new Set([
  'EHLO',
  'HELO',
  'LHLO',
  'NOOP',
  'QUIT',
  'RSET',
  'CAPA',
  'CAPABILITY',
  'LOGOUT',
  'ID',
  'STARTTLS',
  'STLS',
]);

const WEAK_TLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

const CERTIFICATE_FAULT = {
  expired: 'an expired certificate',
  'wrong-host': 'a certificate for another host name',
  'other-ca': 'a certificate from a CA it was never told to trust',
} as const;

/** plaintext-auth, starttls-not-used, tls-not-verified, weak-tls, login-despite-logindisabled. */
export const tlsRules: RuleFamily = (report, s) => {
  let badCertificate: keyof typeof CERTIFICATE_FAULT | null = null;
  return {
    command(cmd: Command) {
      if (!s.secure && sendsPlainPassword(s.proto, cmd)) {
        const what =
          cmd.verb === 'AUTH' || cmd.verb === 'AUTHENTICATE'
            ? `${cmd.verb} ${cmd.args.split(' ')[0]}`
            : cmd.verb;
        report(
          'plaintext-auth',
          at(cmd),
          `${what} sent the password without TLS: anyone on the path can read it`,
        );
      }
      const offer = s.proto === 'pop3' ? 'STLS' : 'STARTTLS';
      if (!s.secure && s.offered.has(offer) && !HARMLESS.has(cmd.verb) && !s.sent.has(offer))
        report(
          'starttls-not-used',
          at(cmd),
          `${offer} was offered, but the client went on in plain text with ${cmd.verb}`,
        );
      if (s.proto === 'imap' && cmd.verb === 'LOGIN' && s.offered.has('LOGINDISABLED'))
        report(
          'login-despite-logindisabled',
          at(cmd),
          'LOGIN sent although the server announced LOGINDISABLED',
        );
    },
    event(event, line) {
      if (event.type === 'tls-upgraded') {
        if (WEAK_TLS.has(event.protocol))
          report(
            'weak-tls',
            { line, seq: event.seq },
            `${event.protocol} negotiated: clients should insist on TLS 1.2 or later`,
          );
        if (event.certificate) badCertificate = event.certificate;
      } else if (event.type === 'client-line' && badCertificate) {
        report(
          'tls-not-verified',
          { line, seq: event.seq },
          `the client accepted ${CERTIFICATE_FAULT[badCertificate]} and kept talking: it does not verify certificates`,
        );
        badCertificate = null;
      }
    },
  };
};
