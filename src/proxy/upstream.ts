import net from 'node:net';
import tls from 'node:tls';
import { LISTENERS } from '../config/defaults.js';
import type { KeylogWriter } from '../tls/keylog.js';

/** Where one local listener forwards to, and how that port speaks TLS. */
export interface UpstreamSpec {
  host: string;
  port: number;
  /** `implicit`: TLS from the first byte (465, 993, 995); `starttls`: plain, upgraded when the client asks. */
  tls: 'implicit' | 'starttls';
}

/** How the upstream's certificate is checked, shared by every upstream of a proxy. */
export interface UpstreamTls {
  /** PEM of the CAs to trust instead of the system's (`--upstream-ca FILE`). */
  ca?: string;
  /** `--upstream-insecure`: no certificate check at all. */
  insecure: boolean;
  keylog: KeylogWriter | null;
  timeoutMs: number;
}

/** The ports whose standard speaks TLS from the first byte (RFC 8314 §3: 465, 993, 995). */
const IMPLICIT_PORTS = new Set([465, 993, 995]);
/** The ports whose standard starts in plain text; any other port speaks as the local listener does. */
const PLAIN_PORTS = new Set([25, 587, 143, 110]);

/** A standard port's TLS mode; on another port (a test server at 10993) the local listener's mode. */
function upstreamTlsMode(listener: string, port: number): UpstreamSpec['tls'] {
  if (IMPLICIT_PORTS.has(port)) return 'implicit';
  if (PLAIN_PORTS.has(port)) return 'starttls';
  return LISTENERS.find((l) => l.name === listener)?.tls === 'implicit' ? 'implicit' : 'starttls';
}

/** `LISTENER=HOST:PORT` (an IPv6 host in brackets) → the listener's name and its upstream. */
export function parseUpstream(text: string): { listener: string; upstream: UpstreamSpec } {
  const m = /^([a-z0-9]+)=(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[4]) : NaN;
  if (!m || port < 1 || port > 65535)
    throw new Error(`--upstream ${text}: expected LISTENER=HOST:PORT, e.g. submission=smtp.example.com:587`);
  return {
    listener: m[1]!,
    upstream: { host: m[2] ?? m[3]!, port, tls: upstreamTlsMode(m[1]!, port) },
  };
}

export function describeUpstream(up: UpstreamSpec): string {
  return `${up.host}:${up.port} (${up.tls === 'implicit' ? 'implicit TLS' : 'plain, STARTTLS when asked'})`;
}

/** A socket error or a certificate problem in words for the transcript and the client's goodbye. */
export function describeUpstreamError(err: Error & { code?: string }): string {
  const code = err.code ? ` (${err.code})` : '';
  return `${err.message}${code}`;
}

function withTimeout<T extends net.Socket>(socket: T, ms: number, ready: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`${what} not done within ${ms} ms`)), ms);
    socket.once('error', fail);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
    socket.once('close', () => fail(new Error(`upstream closed the connection during the ${what}`)));
  });
}

/** The upstream leg's TLS: verified against the system CAs or `ca`, with the host as server name. */
export function upstreamTls(
  socket: net.Socket | null,
  up: UpstreamSpec,
  opts: UpstreamTls,
): Promise<tls.TLSSocket> {
  const servername = net.isIP(up.host) ? undefined : up.host;
  const secure = tls.connect({
    ...(socket ? { socket } : { host: up.host, port: up.port }),
    servername,
    ca: opts.ca,
    rejectUnauthorized: !opts.insecure,
    // Old servers are what people debug too: TLS 1.0 upwards, as on the client leg.
    minVersion: 'TLSv1',
    ciphers: 'DEFAULT:@SECLEVEL=0',
    // Verified against the name the user typed (an IP is checked against the IP subjectAltNames).
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(up.host, cert),
  });
  if (opts.keylog) secure.on('keylog', opts.keylog.write);
  return withTimeout(secure, opts.timeoutMs, 'secureConnect', 'TLS handshake with the upstream');
}

/** Opens the upstream leg: TCP, then TLS at once for an implicit-TLS port. */
export async function connectUpstream(up: UpstreamSpec, opts: UpstreamTls): Promise<net.Socket> {
  if (up.tls === 'implicit') return upstreamTls(null, up, opts);
  const socket = net.connect({ host: up.host, port: up.port, noDelay: true });
  return withTimeout(socket, opts.timeoutMs, 'connect', 'connection to the upstream');
}
