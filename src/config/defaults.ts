import type { Proto, TlsMode } from '../transcript/events.js';

/** A mail protocol, or the HTTP API and web page (src/http), which has no TLS mode but `plain`. */
export type ListenerProto = Proto | 'http';

/** One row of the listener table: a protocol on a well-known port with a TLS mode. */
export interface ListenerDefinition {
  /** Short name used in logs, the UI and `--listeners`: smtp, submission, smtps, imap, imaps, pop3, pop3s, http. */
  name: string;
  proto: ListenerProto;
  standardPort: number;
  tls: TlsMode;
  /** Submission ports refuse mail until the client authenticated (RFC 6409 §4.3). */
  requireAuth: boolean;
}

/** The seven listeners of PRODUCT.md and the HTTP API (issue 18), in the order they are shown. */
export const LISTENERS: readonly ListenerDefinition[] = [
  { name: 'smtp', proto: 'smtp', standardPort: 25, tls: 'starttls', requireAuth: false },
  { name: 'submission', proto: 'smtp', standardPort: 587, tls: 'starttls', requireAuth: true },
  { name: 'smtps', proto: 'smtp', standardPort: 465, tls: 'implicit', requireAuth: false },
  { name: 'imap', proto: 'imap', standardPort: 143, tls: 'starttls', requireAuth: false },
  { name: 'imaps', proto: 'imap', standardPort: 993, tls: 'implicit', requireAuth: false },
  { name: 'pop3', proto: 'pop3', standardPort: 110, tls: 'starttls', requireAuth: false },
  { name: 'pop3s', proto: 'pop3', standardPort: 995, tls: 'implicit', requireAuth: false },
  { name: 'http', proto: 'http', standardPort: 80, tls: 'plain', requireAuth: false },
];

/** GreenMail's convention: standard port + 3000, so no root is needed. */
export const DEFAULT_PORT_OFFSET = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_HOSTNAME = 'mailsandbox.localhost';

export function portFor(def: ListenerDefinition, offset: number | 'ephemeral'): number {
  return offset === 'ephemeral' ? 0 : def.standardPort + offset;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
