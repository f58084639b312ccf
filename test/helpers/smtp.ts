import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { certPath } from './sandbox.js';

export interface SendOptions {
  port: number;
  from?: string;
  to?: string[];
  /** The exact message bytes to send (stored byte for byte). */
  raw: Buffer | string;
  /** 'starttls' (required), 'implicit' (port 465 style) or 'none'. */
  tls?: 'starttls' | 'implicit' | 'none';
  auth?:
    | { user: string; pass: string; method?: 'PLAIN' | 'LOGIN' | 'CRAM-MD5' }
    | { user: string; accessToken: string };
}

/** Sends one message with nodemailer (a client we did not write), verifying the sandbox certificate. */
export async function sendMail(options: SendOptions): Promise<string> {
  const tls = options.tls ?? 'none';
  const auth = options.auth;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: options.port,
    secure: tls === 'implicit',
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    tls: { ca: readFileSync(certPath()), servername: 'localhost' },
    authMethod: auth && 'method' in auth ? auth.method : undefined,
    auth: auth
      ? 'accessToken' in auth
        ? { type: 'OAuth2', user: auth.user, accessToken: auth.accessToken }
        : { user: auth.user, pass: auth.pass }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: options.from ?? 'sender@example.test', to: options.to ?? ['user@example.test'] },
      raw: options.raw,
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/** A small multipart message with CRLF line ends, a leading-dot line and 8-bit text. */
export function sampleMessage(subject = 'test mail from test subject'): Buffer {
  return Buffer.from(
    [
      'From: Root <root@localhost.localdomain>',
      'To: user@mail.server.net',
      `Subject: ${subject}`,
      'Message-ID: <sample-1@mailsandbox.test>',
      'Date: Sat, 28 Nov 2026 08:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'test body — grüße',
      '.a line that starts with a dot',
      '--b1',
      'Content-Type: application/octet-stream; name="x.bin"',
      'Content-Disposition: attachment; filename="x.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAwQFBgcICQ==',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** curl's arguments for one message from a@example.test to b@example.test, read from stdin. */
export const CURL_ENVELOPE = ['--mail-from', 'a@example.test', '--mail-rcpt', 'b@example.test', '-T', '-'];

/** swaks' arguments for one message from a@example.test to b@example.test on 127.0.0.1:`port`. */
export function swaksTo(port: number | undefined): string[] {
  return [
    '--server',
    '127.0.0.1',
    '--port',
    String(port),
    '--from',
    'a@example.test',
    '--to',
    'b@example.test',
  ];
}
