import type { Command } from '../conversation.js';
import { at, type RuleFamily } from '../rule.js';

/** IMAP commands valid only once logged in (RFC 3501 §6.3), and only with a mailbox selected (§6.4). */
const IMAP_AUTHENTICATED = new Set([
  'SELECT',
  'EXAMINE',
  'CREATE',
  'DELETE',
  'RENAME',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'LIST',
  'LSUB',
  'STATUS',
  'APPEND',
  'NAMESPACE',
  'IDLE',
]);
const IMAP_SELECTED = new Set([
  'FETCH',
  'STORE',
  'SEARCH',
  'COPY',
  'MOVE',
  'UID',
  'EXPUNGE',
  'CLOSE',
  'CHECK',
]);
/** POP3 TRANSACTION-state commands (RFC 1939 §5). */
const POP3_TRANSACTION = new Set(['STAT', 'LIST', 'RETR', 'DELE', 'UIDL', 'TOP', 'RSET']);
const QUITS = new Set(['QUIT', 'LOGOUT']);

/** pipelining-without-extension, ignored-error, dele-without-quit, no-quit. */
export const flowRules: RuleFamily = (report, s) => {
  // SMTP transaction (RFC 5321 §3.3): MAIL refused, RCPTs tried and refused.
  let mailRefused: string | null = null;
  let rcptTried = 0;
  let rcptAccepted = 0;
  let lastRcptRefusal = '';
  // IMAP / POP3: a failed login or SELECT the client did not repair.
  let loginFailed: string | null = null;
  let loggedIn = false;
  let selectFailed: string | null = null;
  let deleted: Command[] = [];
  return {
    command(cmd) {
      if (cmd.pipelined && s.proto !== 'imap' && !s.offered.has('PIPELINING'))
        report(
          'pipelining-without-extension',
          at(cmd),
          `${cmd.verb} was sent before the reply to the command before it, and the server had not announced PIPELINING`,
        );
      if (s.proto === 'smtp') {
        // RFC 2920 §3.1: a pipelined RCPT or DATA left before the refusal came back, so the client
        // could not act on it (the server refuses that DATA itself, 503 or 554).
        const sawRefusal = !cmd.pipelined;
        if (sawRefusal && cmd.verb === 'RCPT' && mailRefused)
          report('ignored-error', at(cmd), `RCPT after MAIL FROM was refused (${mailRefused})`);
        else if (sawRefusal && cmd.verb === 'DATA' && rcptTried > 0 && rcptAccepted === 0)
          report('ignored-error', at(cmd), `DATA after every RCPT was refused (${lastRcptRefusal})`);
        if (cmd.verb === 'MAIL' || cmd.verb === 'RSET' || cmd.verb === 'EHLO' || cmd.verb === 'HELO') {
          mailRefused = null;
          rcptTried = rcptAccepted = 0;
        }
        if (cmd.verb === 'RCPT') rcptTried++;
      } else if (s.proto === 'imap') {
        if (!loggedIn && loginFailed && (IMAP_AUTHENTICATED.has(cmd.verb) || IMAP_SELECTED.has(cmd.verb)))
          report('ignored-error', at(cmd), `${cmd.verb} after ${loginFailed} failed, without logging in`);
        else if (selectFailed && IMAP_SELECTED.has(cmd.verb))
          report(
            'ignored-error',
            at(cmd),
            `${cmd.verb} after ${selectFailed} failed: no mailbox is selected`,
          );
      } else if (!loggedIn && loginFailed && POP3_TRANSACTION.has(cmd.verb)) {
        report('ignored-error', at(cmd), `${cmd.verb} after ${loginFailed} was refused, without logging in`);
      }
    },
    reply(cmd, reply) {
      if (s.proto === 'smtp') {
        if (cmd.verb === 'MAIL' && !reply.ok) mailRefused = reply.text;
        if (cmd.verb === 'RCPT') {
          if (reply.ok) rcptAccepted++;
          else lastRcptRefusal = reply.text;
        }
        return;
      }
      const login =
        ['LOGIN', 'AUTHENTICATE', 'PASS', 'APOP', 'AUTH'].includes(cmd.verb) &&
        !(cmd.verb === 'AUTH' && cmd.args === '');
      if (login) {
        loggedIn = reply.ok;
        loginFailed = reply.ok ? null : `${reply.code} to ${cmd.verb}`;
      }
      if (cmd.verb === 'SELECT' || cmd.verb === 'EXAMINE')
        selectFailed = reply.ok ? null : `${cmd.verb} ${cmd.args}`;
      if (cmd.verb === 'DELE' && reply.ok) deleted.push(cmd);
      if (cmd.verb === 'RSET' && reply.ok) deleted = [];
    },
    event(event, line) {
      if (event.type !== 'session-close') return;
      const where = { line, seq: event.seq };
      const quit = [...QUITS].some((q) => s.sent.has(q));
      if (s.proto === 'pop3' && deleted.length && !s.sent.has('QUIT'))
        report(
          'dele-without-quit',
          where,
          `${deleted.length} message${deleted.length === 1 ? '' : 's'} marked with DELE (first on line ${deleted[0]!.line}) stay in the maildrop: the client left without QUIT`,
        );
      // Only when the client ended it: a server that cut the session (a scenario, a timeout) is not the client's fault.
      if (!quit && /^client (closed|reset)/.test(event.reason))
        report(
          'no-quit',
          where,
          `the client closed the connection without ${s.proto === 'imap' ? 'LOGOUT' : 'QUIT'}`,
        );
    },
  };
};
