import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FINDINGS } from '../../src/report/catalog.js';
import { EHLO_REPLY, findingsOf, ids, session } from './stream.js';

const smtp = (sid = 'smtp#1', opts = {}) => session('smtp', sid, opts).s('220 ready');
const imap = (sid = 'imap#1') =>
  session('imap', sid).s('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready');
const pop3 = (sid = 'pop3#1') => session('pop3', sid).s('+OK ready <1.2@h>');
/** An SMTP session past EHLO and STARTTLS, with the certificate a scenario gave if any. */
const afterStartTls = (certificate?: 'expired' | 'wrong-host' | 'other-ca', ehlo = EHLO_REPLY) =>
  smtp()
    .c('EHLO x')
    .s(...ehlo)
    .c('STARTTLS')
    .s('220 go')
    .tls('TLSv1.3', 'starttls', certificate);

describe('findings over crafted event streams', () => {
  it('plaintext-auth: AUTH PLAIN without TLS, IMAP LOGIN, POP3 PASS; not after STARTTLS, not APOP', () => {
    const [f] = findingsOf(
      smtp()
        .c('EHLO x')
        .s(...EHLO_REPLY)
        .c('AUTH PLAIN AHUAcA==')
        .s('235 ok')
        .c('QUIT')
        .s('221 bye'),
    );
    assert.deepEqual(
      f!.map((x) => [x.id, x.severity, x.line]),
      [
        ['plaintext-auth', 'error', 10],
        ['starttls-not-used', 'warn', 10],
      ],
    );
    assert.ok(ids(imap().c('a LOGIN u p').s('a OK done')).includes('plaintext-auth'));
    assert.ok(ids(pop3().c('USER u').s('+OK').c('PASS p').s('+OK')).includes('plaintext-auth'));
    assert.deepEqual(
      ids(pop3().c('APOP u 0123456789abcdef0123456789abcdef').s('+OK').c('QUIT').s('+OK')),
      [],
    );
    const secure = afterStartTls().c('EHLO x').s('250-h', '250 AUTH PLAIN');
    assert.deepEqual(ids(secure.c('AUTH PLAIN AHUAcA==').s('235 ok').c('QUIT').s('221 bye')), []);
  });

  it('starttls-not-used: offered and ignored, not when never offered', () => {
    assert.deepEqual(
      ids(smtp().c('EHLO x').s('250-h', '250 SIZE 10').c('MAIL FROM:<a@b>').s('250 ok').c('QUIT').s('221')),
      [],
    );
    assert.deepEqual(
      ids(pop3().c('CAPA').s('+OK', 'STLS', 'USER', '.').c('UIDL').s('-ERR').c('QUIT').s('+OK')),
      ['starttls-not-used'],
    );
  });

  it('tls-not-verified: a scenario certificate accepted, then more talk', () => {
    const f = findingsOf(afterStartTls('other-ca').c('EHLO x'))[0]!;
    assert.deepEqual(
      f.map((x) => [x.id, x.line]),
      [['tls-not-verified', 13]],
    );
    assert.match(f[0]!.message, /CA it was never told to trust/);
    // A client that refused it stops after the handshake: nothing to say.
    assert.deepEqual(ids(afterStartTls('expired').close('client reset the connection (ECONNRESET)')), [
      'no-quit',
    ]);
  });

  it('weak-tls: TLS 1.0 and 1.1, not 1.2', () => {
    assert.deepEqual(
      ids(session('imap', 'i').tls('TLSv1', 'implicit').s('* OK hi').c('a LOGOUT').s('a OK')),
      ['weak-tls'],
    );
    assert.deepEqual(
      ids(session('imap', 'i').tls('TLSv1.2', 'implicit').s('* OK hi').c('a LOGOUT').s('a OK')),
      [],
    );
  });

  it('bare-lf, bare-cr, line-too-long and 8bit-without-8bitmime come from the stored message', () => {
    const send = (mail: string, shape: object) =>
      ids(
        afterStartTls()
          .c('EHLO x')
          .s('250-h', '250 8BITMIME')
          .c(mail)
          .s('250')
          .c('RCPT TO:<c@d>')
          .s('250')
          .c('DATA')
          .s('354 go')
          .c('<message body: 10 bytes>')
          .c('.')
          .stored(shape)
          .s('250 queued')
          .c('QUIT')
          .s('221'),
      );
    assert.deepEqual(send('MAIL FROM:<a@b>', { bareLf: true }), ['bare-lf']);
    assert.deepEqual(send('MAIL FROM:<a@b>', { bareCr: true }), ['bare-cr']);
    assert.deepEqual(send('MAIL FROM:<a@b>', { longestLine: 999 }), ['line-too-long']);
    assert.deepEqual(send('MAIL FROM:<a@b>', { longestLine: 998 }), []);
    assert.deepEqual(send('MAIL FROM:<a@b>', { eightBit: true }), ['8bit-without-8bitmime']);
    assert.deepEqual(send('MAIL FROM:<a@b> BODY=8BITMIME', { eightBit: true }), []);
  });

  it('smtputf8-without-extension: a UTF-8 address without SMTPUTF8, or SMTPUTF8 not offered', () => {
    const tx = (ehlo: string[], mail: string, rcpt: string) =>
      ids(
        afterStartTls(undefined, ehlo)
          .c('EHLO x')
          .s(...ehlo.filter((l) => !l.includes('STARTTLS')))
          .c(mail)
          .s('250')
          .c(rcpt)
          .s('250')
          .c('QUIT')
          .s('221'),
      );
    assert.deepEqual(tx(EHLO_REPLY, 'MAIL FROM:<a@b>', 'RCPT TO:<jörg@b>'), ['smtputf8-without-extension']);
    assert.deepEqual(tx(EHLO_REPLY, 'MAIL FROM:<a@b> SMTPUTF8', 'RCPT TO:<jörg@b>'), []);
    assert.deepEqual(tx(['250-h', '250 SIZE 1'], 'MAIL FROM:<a@b> SMTPUTF8', 'RCPT TO:<c@b>'), [
      'smtputf8-without-extension',
    ]);
  });

  it('pipelining-without-extension: a line marked pipelined when PIPELINING was not offered', () => {
    const run = (ehlo: string[]) =>
      ids(
        smtp()
          .c('EHLO x')
          .s(...ehlo)
          .c('MAIL FROM:<a@b>')
          .s('250')
          .c('RCPT TO:<c@d>', { pipelined: true })
          .s('250')
          .c('QUIT')
          .s('221'),
      );
    assert.deepEqual(run(['250-h', '250 SIZE 1']), ['pipelining-without-extension']);
    assert.deepEqual(run(['250-h', '250 PIPELINING']), []);
  });

  it('ignored-error: DATA after every RCPT was refused, FETCH after a failed SELECT, STAT after -ERR to PASS', () => {
    const smtpRun = ids(
      smtp()
        .c('EHLO x')
        .s('250-h', '250 SIZE 1')
        .c('MAIL FROM:<a@b>')
        .s('250')
        .c('RCPT TO:<c@d>')
        .s('550 5.1.1 no such user')
        .c('DATA')
        .s('503 need RCPT')
        .c('QUIT')
        .s('221'),
    );
    assert.deepEqual(smtpRun, ['ignored-error']);
    const ok = ids(
      smtp()
        .c('EHLO x')
        .s('250-h', '250 SIZE 1')
        .c('MAIL FROM:<a@b>')
        .s('250')
        .c('RCPT TO:<c@d>')
        .s('550 no')
        .c('RCPT TO:<e@d>')
        .s('250')
        .c('DATA')
        .s('354')
        .c('.')
        .s('250')
        .c('QUIT')
        .s('221'),
    );
    assert.deepEqual(ok, []);
    const imapRun = findingsOf(
      session('imap', 'i')
        .tls('TLSv1.3', 'implicit')
        .s('* OK hi')
        .c('a LOGIN u p')
        .s('a OK')
        .c('b SELECT Nope')
        .s('b NO no such mailbox')
        .c('c FETCH 1 FLAGS')
        .s('c BAD no mailbox')
        .c('d LOGOUT')
        .s('d OK'),
    )[0]!;
    assert.deepEqual(
      imapRun.map((f) => [f.id, f.line]),
      [['ignored-error', 8]],
    );
    assert.deepEqual(
      ids(
        pop3()
          .c('STLS')
          .s('+OK')
          .tls()
          .c('USER u')
          .s('+OK')
          .c('PASS p')
          .s('-ERR [AUTH] no')
          .c('STAT')
          .s('-ERR')
          .c('QUIT')
          .s('+OK'),
      ),
      ['ignored-error'],
    );
  });

  it('retried-permanent-failure and retry-too-fast: across sessions of one client and envelope', () => {
    const tx = (sid: string, time: number, code: string, client = '127.0.0.1') =>
      smtp(sid, { time, client })
        .c('EHLO x')
        .s('250-h', '250 SIZE 1')
        .c('MAIL FROM:<a@b>')
        .s('250')
        .c('RCPT TO:<c@d>')
        .s(`${code} x`)
        .c('QUIT')
        .s('221');
    assert.deepEqual(ids(tx('s1', 0, '550'), tx('s2', 60_000, '550')), ['retried-permanent-failure']);
    const fast = findingsOf(tx('s1', 0, '451'), tx('s2', 500, '250'));
    assert.deepEqual(
      fast.map((f) => f.map((x) => x.id)),
      [[], ['retry-too-fast']],
    );
    assert.match(fast[1]![0]!.message, /RCPT TO <c@d> again 0\.\d s after 451 \(s1 line 9\)/);
    assert.deepEqual(ids(tx('s1', 0, '451'), tx('s2', 10 * 60_000, '250')), []);
    assert.deepEqual(ids(tx('s1', 0, '451'), tx('s2', 500, '250', '127.0.0.2')), []);
  });

  it('auth-downgrade: PLAIN after CRAM-MD5 failed', () => {
    const run = ids(
      afterStartTls()
        .c('EHLO x')
        .s('250-h', '250 AUTH PLAIN CRAM-MD5')
        .c('AUTH CRAM-MD5')
        .s('334 PDE+')
        .c('dSBk')
        .s('535 no')
        .c('AUTH PLAIN AHUAcA==')
        .s('235')
        .c('QUIT')
        .s('221'),
    );
    assert.deepEqual(run, ['auth-downgrade']);
    // Across sessions: Outlook-style, a new connection that goes straight to PLAIN.
    const cram = smtp('s1')
      .c('EHLO x')
      .s('250-h', '250 AUTH PLAIN CRAM-MD5')
      .c('AUTH CRAM-MD5')
      .s('334 PDE+')
      .c('dSBk')
      .s('535 no')
      .c('QUIT')
      .s('221');
    const plain = (sid: string, time: number, client = '127.0.0.1') =>
      smtp(sid, { time, client })
        .c('EHLO x')
        .s('250-h', '250 AUTH PLAIN CRAM-MD5')
        .c('AUTH PLAIN AHUAcA==')
        .s('235')
        .c('QUIT')
        .s('221');
    const across = findingsOf(cram, plain('s2', 1_000_500));
    assert.deepEqual(
      across[1]!.map((f) => [f.id, f.message]),
      [
        ['plaintext-auth', 'AUTH PLAIN sent the password without TLS: anyone on the path can read it'],
        [
          'auth-downgrade',
          'after CRAM-MD5 failed (s1 line 9) the client fell back to PLAIN, which sends the password as it is',
        ],
      ],
    );
    assert.deepEqual(ids(cram, plain('s2', 1_000_000 + 120_000)), ['plaintext-auth']);
    // Another client's PLAIN is its own business, not a fall-back of the one whose CRAM-MD5 failed.
    assert.deepEqual(ids(cram, plain('s2', 1_000_500, '127.0.0.2')), ['plaintext-auth']);
  });

  it('login-despite-logindisabled', () => {
    const run = ids(
      session('imap', 'i')
        .s('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi')
        .c('a LOGIN u p')
        .s('a NO disabled')
        .c('b LOGOUT')
        .s('b OK'),
    );
    assert.deepEqual(run, ['plaintext-auth', 'starttls-not-used', 'login-despite-logindisabled']);
  });

  it('stale-uids-after-uidvalidity-change: UID STORE right after a new UIDVALIDITY, not after a resync', () => {
    const start = () =>
      session('imap', 'i')
        .tls('TLSv1.3', 'implicit')
        .s('* OK hi')
        .c('a LOGIN u p')
        .auth('IMAP LOGIN', 'u', true)
        .s('a OK')
        .c('b SELECT INBOX')
        .s('* OK [UIDVALIDITY 1] x', 'b OK')
        .c('c UID FETCH 1:* (FLAGS)')
        .s('* 1 FETCH (UID 7 FLAGS ())', 'c OK')
        .c('d SELECT INBOX')
        .s('* OK [UIDVALIDITY 2] x', 'd OK');
    assert.deepEqual(ids(start().c('e UID STORE 7 +FLAGS (\\Seen)').s('e OK').c('f LOGOUT').s('f OK')), [
      'stale-uids-after-uidvalidity-change',
    ]);
    assert.deepEqual(
      ids(
        start()
          .c('e UID SEARCH ALL')
          .s('* SEARCH 1', 'e OK')
          .c('f UID STORE 1 +FLAGS (\\Seen)')
          .s('f OK')
          .c('g LOGOUT')
          .s('g OK'),
      ),
      [],
    );
  });

  it('dele-without-quit and no-quit; nothing when the client says QUIT or the server ends the session', () => {
    const dele = () =>
      pop3().c('STLS').s('+OK').tls().c('USER u').s('+OK').c('PASS p').s('+OK').c('DELE 1').s('+OK marked');
    const f = findingsOf(dele().close())[0]!;
    assert.deepEqual(
      f.map((x) => [x.id, x.severity]),
      [
        ['dele-without-quit', 'warn'],
        ['no-quit', 'info'],
      ],
    );
    assert.deepEqual(ids(dele().c('QUIT').s('+OK').close('client said QUIT')), []);
    assert.deepEqual(ids(dele().c('RSET').s('+OK').close()), ['no-quit']);
    assert.deepEqual(
      ids(smtp().c('EHLO x').s('250 h').close('timed out: no data from the client for 10 ms')),
      [],
    );
  });

  it('every finding id has a README line', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const id of Object.keys(FINDINGS)) assert.match(readme, new RegExp(`\\| \`${id}\` \\|`), id);
  });
});
