import type { Proto, TlsMode } from '../transcript/events.js';

/**
 * The misconfiguration this tool is most often run for: a client set to implicit TLS on a port that
 * starts in plain text, or the other way round. Both show up as noise (binary "commands", an OpenSSL
 * error); these turn them into one sentence that says what the client expected and where to point it.
 */

/** Other listeners of the same protocol, by TLS mode, for the advice. */
export type PortLookup = (proto: Proto, tls: TlsMode) => number[];

/** The first bytes of a TLS handshake record (content type 22, protocol version 3.x): a ClientHello. */
export function looksLikeTlsHandshake(chunk: Buffer): boolean {
  return chunk.length >= 2 && chunk[0] === 0x16 && chunk[1] === 0x03;
}

function portList(ports: number[]): string {
  return ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(', ')}`;
}

/** Said when a ClientHello arrives on a plain or STARTTLS port before anything else. */
export function tlsOnPlainPort(proto: Proto, ports: PortLookup): string {
  const implicit = ports(proto, 'implicit');
  const where = implicit.length ? `; implicit TLS is on ${portList(implicit)}` : '';
  return `the client started a TLS handshake at once: it expects implicit TLS, but this port starts in plain text (STARTTLS after the greeting)${where}`;
}

/** OpenSSL's reasons for a first record that is not TLS at all. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_UNKNOWN_PROTOCOL']);

/**
 * The transcript text for a failed handshake: OpenSSL's reason without its internal prefix, and when the
 * client spoke plain text to an implicit-TLS port, what it expected instead.
 */
export function describeHandshakeFailure(
  err: Error,
  proto: Proto,
  implicitPort: boolean,
  ports: PortLookup,
): string {
  const { code, reason } = err as Error & { code?: string; reason?: string };
  const what = reason ? `${reason}${code ? ` (${code})` : ''}` : err.message;
  if (!implicitPort || !code || !NOT_TLS.has(code)) return `TLS handshake failed: ${what}`;
  const plain = [...ports(proto, 'starttls'), ...ports(proto, 'plain')];
  const where = plain.length ? ` (${portList(plain)})` : '';
  return `TLS handshake failed: ${what}: the client sent plain text, not a TLS handshake — it expects a port that starts in plain text${where}, or it needs its TLS setting changed to implicit TLS (SSL/TLS)`;
}
