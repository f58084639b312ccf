import assert from 'node:assert/strict';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DOVECOT, startDovecotDefaults } from '../../bench/dovecot.js';
import type { Sandbox } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox, tempDir, testCertsDir } from '../helpers/sandbox.js';
import { probe, type Seen } from './personality-probe.js';

const MAIN = 'dist/src/cli/main.js';
const LISTENERS = ['submission', 'imap', 'imaps', 'pop3', 'pop3s'] as const;

/** The personality with one user, test/testpass (the personalities themselves accept any login). */
async function personality(name: string): Promise<Sandbox> {
  const scenario = { ...(await loadScenario(name)), users: { test: 'testpass' } };
  return startTestSandbox({ listeners: [...LISTENERS], scenario });
}

function portsOf(sb: Sandbox): Record<(typeof LISTENERS)[number], number> {
  return Object.fromEntries(LISTENERS.map((l) => [l, sb.ports[l]!])) as Record<(typeof LISTENERS)[number], number>;
}

/**
 * The real Dovecot 2.3 has these and the sandbox does not implement them; the `dovecot` personality
 * leaves them out (scenarios/dovecot.yaml says so). Any other difference fails the comparison.
 */
const DOVECOT_ONLY = {
  imap: [
    'LOGIN-REFERRALS',
    'THREAD=REFS',
    'URL-PARTIAL',
    'I18NLEVEL=1',
    'SNIPPET=FUZZY',
    'PREVIEW=FUZZY',
    'PREVIEW',
    'SAVEDATE',
    'NOTIFY',
  ],
  pop3: ['SASL'], // the bare `SASL` line before STLS (no mechanism listed)
  smtp: ['BURL', 'CHUNKING'],
  smtpBeforeTls: ['BURL', 'CHUNKING', 'AUTH'], // AUTH: the empty `AUTH ` keyword before STARTTLS
};

const without = (list: string[] | undefined, drop: string[]): string[] =>
  (list ?? []).filter((t) => !drop.includes(t)).sort();
/** EHLO keywords and CAPA tags without their values (SIZE 52428800 and SIZE are the same keyword). */
const keywords = (list: string[] | undefined): string[] => (list ?? []).map((l) => l.split(' ')[0]!);
/** The capability atoms of an IMAP greeting's [CAPABILITY ...] code. */
const greetingAtoms = (greeting: string | undefined): string[] =>
  /\[CAPABILITY ([^\]]+)\]/.exec(greeting ?? '')?.[1]!.toUpperCase().split(' ') ?? [];

describe('server personalities (shipped scenarios)', { concurrency: false }, () => {
  it('mailsandbox scenarios lists dovecot, gmail, outlook365 and yahoo in a group of their own', async () => {
    const out = await run('node', [MAIN, 'scenarios']);
    assert.equal(out.code, 0, out.stderr);
    const [single, group] = out.stdout.split('\nServer personalities:\n');
    assert.ok(group, out.stdout);
    for (const name of ['dovecot', 'gmail', 'outlook365', 'yahoo']) {
      assert.match(group, new RegExp(`^${name} {2,}\\S`, 'm'));
      assert.doesNotMatch(single!, new RegExp(`^${name} `, 'm'));
    }
    assert.match(single!, /^gmail-like {2,}/m);
  });

  it('gmail: Gimap/Gpop greetings, a short CAPABILITY until login and the long one after, AUTH after STARTTLS', async () => {
    const sb = await personality('gmail');
    try {
      const seen = await probe(portsOf(sb), certPath(), 'login');
      assert.match(seen.imapsGreeting!, /^\* OK \[CAPABILITY [^\]]+\] Gimap ready for requests$/);
      assert.deepEqual(seen.imaps!.sort(), [
        'AUTH=OAUTHBEARER', 'AUTH=PLAIN', 'AUTH=XOAUTH2', 'CHILDREN', 'ID', 'IDLE', 'IMAP4REV1', 'NAMESPACE',
        'QUOTA', 'SASL-IR', 'UNSELECT',
      ]);
      assert.deepEqual(seen.imapLoggedIn!.map((a) => a.replace(/=\d+$/, '=n')).sort(), [
        'APPENDLIMIT=n', 'CHILDREN', 'COMPRESS=DEFLATE', 'CONDSTORE', 'ENABLE', 'ESEARCH', 'ID', 'IDLE',
        'IMAP4REV1', 'LIST-EXTENDED', 'LIST-STATUS', 'LITERAL-', 'MOVE', 'NAMESPACE', 'QUOTA', 'SASL-IR',
        'SPECIAL-USE', 'UIDPLUS', 'UNSELECT', 'UTF8=ACCEPT',
      ]);
      assert.equal(seen.imapLoginRefused, "b'[AUTHENTICATIONFAILED] Invalid credentials (Failure)'");
      assert.equal(seen.pop3Refused, '-ERR [AUTH] Username and password not accepted.');
      assert.match(seen.smtpAuth!, /^535 5\.7\.8 Username and Password not accepted\. For more/);
      assert.match(seen.pop3sGreeting!, /^\+OK Gpop ready for requests$/);
      assert.ok(seen.pop3s!.includes('SASL PLAIN XOAUTH2 OAUTHBEARER'), seen.pop3s!.join(','));
      assert.match(seen.smtpGreeting!, /^smtp\.gmail\.example ESMTP gsmtp$/);
      assert.ok(!keywords(seen.smtpPlain).includes('AUTH'));
      assert.ok(seen.smtpTls!.includes('AUTH LOGIN PLAIN XOAUTH2 OAUTHBEARER'), seen.smtpTls!.join(','));
      assert.ok(seen.smtpTls!.includes('SIZE'));
    } finally {
      await sb.close();
    }
  });

  it('outlook365: Exchange greetings; PLAIN listed but basic auth refused (LOGINDISABLED beside AUTH=XOAUTH2), XOAUTH2 logs in; AUTH LOGIN XOAUTH2 on 587', async () => {
    const sb = await personality('outlook365');
    try {
      const seen = await probe(portsOf(sb), certPath(), 'xoauth2');
      assert.match(seen.imapsGreeting!, /\] The Microsoft Exchange IMAP4 service is ready\.$/);
      assert.deepEqual(seen.imaps!.sort(), [
        'AUTH=PLAIN', 'AUTH=XOAUTH2', 'CHILDREN', 'ID', 'IDLE', 'IMAP4REV1', 'LITERAL+', 'LOGINDISABLED', 'MOVE',
        'NAMESPACE', 'SASL-IR', 'UIDPLUS', 'UNSELECT',
      ]);
      assert.ok(seen.imapLoginRefused, 'LOGIN (basic auth) is refused');
      assert.ok(seen.imapLoggedIn!.includes('AUTH=XOAUTH2'));
      assert.match(seen.pop3sGreeting!, /^\+OK The Microsoft Exchange POP3 service is ready\.$/);
      assert.deepEqual(seen.pop3s, ['SASL PLAIN XOAUTH2', 'TOP', 'UIDL']);
      assert.ok(seen.smtpTls!.includes('AUTH LOGIN XOAUTH2'), seen.smtpTls!.join(','));
      assert.equal(seen.smtpAuth, '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.');
    } finally {
      await sb.close();
    }
  });

  it('yahoo: the CAPABILITY of Yahoo\'s OAuth page (what the sandbox implements), OAUTHBEARER beside PLAIN', async () => {
    const sb = await personality('yahoo');
    try {
      const seen = await probe(portsOf(sb), certPath(), 'login');
      assert.deepEqual(seen.imaps!.sort(), [
        'AUTH=OAUTHBEARER', 'AUTH=PLAIN', 'CONDSTORE', 'ENABLE', 'IMAP4REV1', 'NAMESPACE', 'QRESYNC', 'SASL-IR',
      ]);
      assert.match(seen.smtpGreeting!, /^smtp\.mail\.yahoo\.example ESMTP ready$/);
      assert.ok(seen.smtpTls!.includes('AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER'), seen.smtpTls!.join(','));
      assert.match(seen.pop3sGreeting!, /^\+OK hello from popgate$/);
    } finally {
      await sb.close();
    }
  });

  describe('dovecot beside a real Dovecot 2.3', { skip: !existsSync(DOVECOT) && 'dovecot is not installed' }, () => {
    const dir = tempDir('mailsandbox-dovecot-personality-');
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('the same greetings, IMAP CAPABILITY before/after STARTTLS and after login, POP3 CAPA and submission EHLO', async () => {
      chmodSync(dir, 0o755); // Dovecot's mail processes run as nobody
      const dovecot = await startDovecotDefaults(dir, { cert: certPath(), key: join(testCertsDir(), 'key.pem') });
      const sb = await personality('dovecot');
      let theirs: Seen, ours: Seen;
      try {
        theirs = await probe(dovecot.ports, certPath(), 'login');
        ours = await probe(portsOf(sb), certPath(), 'login');
      } finally {
        await sb.close();
        await dovecot.stop();
      }
      const skip = DOVECOT_ONLY;
      assert.equal(ours.imapGreeting!.replace(/\[.*\] /, ''), theirs.imapGreeting!.replace(/\[.*\] /, ''));
      assert.deepEqual(without(greetingAtoms(ours.imapGreeting), []), without(greetingAtoms(theirs.imapGreeting), skip.imap));
      assert.deepEqual(without(ours.imapPlain, []), without(theirs.imapPlain, skip.imap));
      assert.ok(ours.imapPlain!.includes('LOGINDISABLED') && ours.imapPlain!.includes('STARTTLS'));
      assert.deepEqual(without(ours.imapTls, []), without(theirs.imapTls, skip.imap));
      assert.deepEqual(without(ours.imaps, []), without(theirs.imaps, skip.imap));
      assert.deepEqual(without(ours.imapLoggedIn, []), without(theirs.imapLoggedIn, skip.imap));
      assert.ok(ours.imapLoggedIn!.length > 25, 'the long list after login');
      assert.equal(ours.pop3Greeting, theirs.pop3Greeting);
      assert.deepEqual(without(keywords(ours.pop3Plain), []), without(keywords(theirs.pop3Plain), skip.pop3));
      assert.deepEqual(without(ours.pop3Tls, []), without(theirs.pop3Tls, []));
      assert.deepEqual(without(ours.pop3s, []), without(theirs.pop3s, []));
      assert.equal(ours.imapLoginRefused, theirs.imapLoginRefused); // NO [AUTHENTICATIONFAILED] Authentication failed.
      assert.equal(ours.pop3Refused, theirs.pop3Refused);
      assert.equal(ours.smtpAuth, theirs.smtpAuth);
      assert.equal(ours.smtpGreeting, theirs.smtpGreeting);
      assert.deepEqual(without(keywords(ours.smtpPlain), []), without(keywords(theirs.smtpPlain), skip.smtpBeforeTls));
      assert.deepEqual(without(keywords(ours.smtpTls), []), without(keywords(theirs.smtpTls), skip.smtp));
      assert.ok(ours.smtpTls!.includes('AUTH PLAIN') && theirs.smtpTls!.includes('AUTH PLAIN'));
    });
  });
});
