import { TranscriptBus } from '../../src/transcript/bus.js';
import type { ListenerStatus } from '../../src/core/listener.js';
import type { Proto, TranscriptEventInput } from '../../src/transcript/events.js';

/** Listener table as a sandbox on the default offset reports it, with one failed bind. */
export const LISTENERS: ListenerStatus[] = [
  {
    name: 'smtp',
    proto: 'smtp',
    tls: 'starttls',
    host: '127.0.0.1',
    requestedPort: 3025,
    port: 3025,
    error: null,
  },
  {
    name: 'submission',
    proto: 'smtp',
    tls: 'starttls',
    host: '127.0.0.1',
    requestedPort: 3587,
    port: 3587,
    error: null,
  },
  {
    name: 'smtps',
    proto: 'smtp',
    tls: 'implicit',
    host: '127.0.0.1',
    requestedPort: 3465,
    port: 3465,
    error: null,
  },
  {
    name: 'imap',
    proto: 'imap',
    tls: 'starttls',
    host: '127.0.0.1',
    requestedPort: 3143,
    port: 3143,
    error: null,
  },
  {
    name: 'pop3',
    proto: 'pop3',
    tls: 'starttls',
    host: '127.0.0.1',
    requestedPort: 3110,
    port: null,
    error: '127.0.0.1:3110 is already in use (EADDRINUSE): stop the other server or use --port-offset',
  },
];

export const FINGERPRINT =
  'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

/** Publishes sessions the way the servers do, on a real bus. */
export class FakeSessions {
  private port = 50_000;

  constructor(readonly bus = new TranscriptBus(100_000)) {}

  open(
    sid: string,
    proto: Proto,
    listener: string,
    tls: 'plain' | 'starttls' | 'implicit' = 'starttls',
  ): void {
    this.publish({
      type: 'session-open',
      sid,
      proto,
      listener,
      localPort: 3025,
      tls,
      remoteAddress: '127.0.0.1',
      remotePort: ++this.port,
    });
  }

  client(sid: string, proto: Proto, line: string, decoded?: string): void {
    this.publish(
      decoded === undefined
        ? { type: 'client-line', sid, proto, line }
        : { type: 'client-line', sid, proto, line, decoded },
    );
  }

  server(sid: string, proto: Proto, line: string): void {
    this.publish({ type: 'server-line', sid, proto, line });
  }

  publish(event: TranscriptEventInput): void {
    this.bus.publish(event);
  }

  /** The article's SMTP session over STARTTLS with AUTH PLAIN, as smtp#1 on submission. */
  smtpArticle(sid = 'smtp#1', rcptReply = '250 2.1.5 Ok'): void {
    const p = 'smtp';
    this.open(sid, p, 'submission');
    this.server(sid, p, '220 mail.server.net ESMTP ready');
    this.client(sid, p, 'EHLO localhost.localdomain');
    this.server(sid, p, '250-mail.server.net');
    this.server(sid, p, '250 STARTTLS');
    this.client(sid, p, 'STARTTLS');
    this.server(sid, p, '220 2.0.0 Ready to start TLS');
    this.publish({
      type: 'tls-upgraded',
      sid,
      proto: p,
      how: 'starttls',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
    });
    this.client(
      sid,
      p,
      'AUTH PLAIN dGVzdAB0ZXN0AHRlc3RwYXNz',
      'authzid="test" user="test" password="testpass"',
    );
    this.publish({ type: 'auth', sid, proto: p, mechanism: 'PLAIN', username: 'test', ok: true });
    this.server(sid, p, '235 2.7.0 Authentication successful');
    this.client(sid, p, 'MAIL FROM:<>');
    this.server(sid, p, '250 2.1.0 Ok');
    this.client(sid, p, 'RCPT TO:<user@mail.server.net>');
    this.server(sid, p, rcptReply);
  }
}
