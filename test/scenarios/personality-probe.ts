import { PYTHON } from './support.js';
import { run } from '../helpers/run.js';

/** What a client sees of a server: greetings and capability lists, upper-cased keywords/atoms. */
export interface Seen {
  imapGreeting?: string;
  imapPlain?: string[];
  imapTls?: string[];
  imapLoggedIn?: string[];
  imapLoginRefused?: string;
  pop3Refused?: string;
  imapsGreeting?: string;
  imaps?: string[];
  pop3Greeting?: string;
  pop3Plain?: string[];
  pop3Tls?: string[];
  pop3sGreeting?: string;
  pop3s?: string[];
  smtpGreeting?: string;
  smtpPlain?: string[];
  smtpTls?: string[];
  smtpAuth?: string;
}

export interface ProbePorts {
  imap?: number;
  imaps?: number;
  pop3?: number;
  pop3s?: number;
  submission?: number;
}

/**
 * Python's imaplib, poplib and smtplib reading greetings and capabilities, from 127.0.0.2 (Dovecot
 * trusts a client on its own address as secure; the sandbox does not care). `login` is how IMAP logs in
 * as test/testpass after STARTTLS: LOGIN after a wrong password, or XOAUTH2 after a LOGIN that must be
 * be refused; POP3 and SMTP try a wrong password (SMTP: the right one with xoauth2, by LOGIN).
 */
export async function probe(ports: ProbePorts, cafile: string, login: 'login' | 'xoauth2'): Promise<Seen> {
  const script = String.raw`
import imaplib, poplib, smtplib, ssl, socket, json, sys
ports = json.loads(sys.argv[1]); cafile = sys.argv[2]; login = sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile); ctx.check_hostname = False
SRC = ('127.0.0.2', 0); HOST = '127.0.0.1'
def sock(self, timeout): return socket.create_connection((self.host, self.port), timeout, source_address=SRC)
class I(imaplib.IMAP4): _create_socket = sock
class IS(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout): return self.ssl_context.wrap_socket(sock(self, timeout))
class P(poplib.POP3): _create_socket = sock
class PS(poplib.POP3_SSL):
    def _create_socket(self, timeout): return self.context.wrap_socket(sock(self, timeout))
def caps(m): return m.capability()[1][0].decode().upper().split()
def capa(p): return sorted((k + (' ' + ' '.join(v) if v else '')).upper() for k, v in p.capa().items())
def ehlo(s): s.ehlo('client.test'); return sorted(k.upper() + (' ' + v.strip().upper() if k == 'auth' else '') for k in s.esmtp_features for v in [s.esmtp_features[k]])
r = {}
if 'imap' in ports:
    m = I(HOST, ports['imap'], timeout=10); r['imapGreeting'] = m.welcome.decode(); r['imapPlain'] = caps(m)
    m.starttls(ctx); r['imapTls'] = caps(m)
    if login == 'xoauth2':
        try: m.login('test', 'testpass')
        except imaplib.IMAP4.error as e: r['imapLoginRefused'] = str(e)
        m.authenticate('XOAUTH2', lambda _: b'user=test\x01auth=Bearer testpass\x01\x01')
    else:
        try: m.login('test', 'wrongpass')
        except imaplib.IMAP4.error as e: r['imapLoginRefused'] = str(e)
        m.login('test', 'testpass')
    r['imapLoggedIn'] = caps(m); m.logout()
if 'imaps' in ports:
    m = IS(HOST, ports['imaps'], ssl_context=ctx, timeout=10); r['imapsGreeting'] = m.welcome.decode(); r['imaps'] = caps(m); m.logout()
if 'pop3' in ports:
    p = P(HOST, ports['pop3'], timeout=10); r['pop3Greeting'] = p.getwelcome().decode(); r['pop3Plain'] = capa(p)
    p.stls(ctx); r['pop3Tls'] = capa(p)
    p.user('test')
    try: p.pass_('wrongpass')
    except poplib.error_proto as e: r['pop3Refused'] = e.args[0].decode()
    p.quit()
if 'pop3s' in ports:
    p = PS(HOST, ports['pop3s'], context=ctx, timeout=10); r['pop3sGreeting'] = p.getwelcome().decode(); r['pop3s'] = capa(p); p.quit()
if 'submission' in ports:
    s = smtplib.SMTP(timeout=10, source_address=SRC); r['smtpGreeting'] = s.connect(HOST, ports['submission'])[1].decode(); s._host = HOST
    r['smtpPlain'] = ehlo(s); s.starttls(context=ctx); r['smtpTls'] = ehlo(s)
    try: s.login('test', 'wrong' if login == 'login' else 'testpass'); r['smtpAuth'] = 'accepted'
    except smtplib.SMTPException as e: r['smtpAuth'] = str(getattr(e, 'smtp_code', '')) + ' ' + getattr(e, 'smtp_error', b'').decode()
    s.close()
print(json.dumps(r))
`;
  const result = await run(PYTHON, ['-c', script, JSON.stringify(ports), cafile, login], { timeoutMs: 30_000 });
  try {
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as Seen;
  } catch {
    throw new Error(`probe failed (code ${result.code}): ${result.stderr || result.stdout}`);
  }
}
