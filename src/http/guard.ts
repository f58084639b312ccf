import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { isLoopback } from '../config/defaults.js';
import { HttpError } from './respond.js';

export interface GuardOptions {
  /** The address the listener is bound to (`--host`). */
  host: string;
  /** The server's own name (`--hostname`). */
  hostname: string;
  /** Bearer token of `--http-token`, or null. */
  token: string | null;
}

/** `example.com:3080` → `example.com`; `[::1]:3080` → `::1`. */
function hostPart(value: string): string {
  const bracket = /^\[([^\]]*)\](?::\d*)?$/.exec(value);
  if (bracket) return bracket[1]!.toLowerCase();
  return value.replace(/:\d*$/, '').toLowerCase();
}

function isLoopbackName(name: string): boolean {
  return isLoopback(name) || name.endsWith('.localhost') || name === '0:0:0:0:0:0:0:1';
}

/**
 * DNS rebinding: a page on evil.example whose name is made to resolve to 127.0.0.1 reaches this
 * listener with `Host: evil.example`. Only names that cannot be rebound are served: loopback names
 * (RFC 6761 §6.3 keeps `localhost` and `*.localhost` on this machine), the bound address and the
 * server's own name, and, on a wildcard bind, any IP literal (a literal is not looked up in DNS).
 */
export function hostAllowed(value: string | undefined, options: GuardOptions): boolean {
  if (!value) return false;
  const name = hostPart(value);
  if (isLoopbackName(name)) return true;
  if (name === options.host.toLowerCase() || name === options.hostname.toLowerCase()) return true;
  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  return wildcard && isIP(name) !== 0;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Checks Host, Origin and the bearer token of one request; throws the refusal. */
export function checkRequest(req: IncomingMessage, url: URL, options: GuardOptions): void {
  const host = req.headers.host;
  if (!hostAllowed(host, options)) {
    // RFC 9110 §15.5.20: 421 Misdirected Request, the server is not configured to answer for that name.
    throw new HttpError(
      421,
      'foreign-host',
      `Host ${JSON.stringify(host ?? '')} is not a name of this sandbox (only loopback names, ${options.host} and ${options.hostname})`,
    );
  }
  // A page of another origin may still send a simple POST (a form) with a good Host: browsers name
  // the page's origin in Origin, and anything but this listener's own origin is refused.
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new HttpError(403, 'cross-origin', `requests from ${JSON.stringify(origin)} are refused (no CORS)`);
  }
  if (options.token !== null && url.pathname.startsWith('/api/')) {
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] ?? url.searchParams.get('token') ?? '';
    // Compared as digests so the comparison takes the same time whatever the length.
    if (!timingSafeEqual(digest(bearer), digest(options.token))) {
      throw new HttpError(
        401,
        'token-required',
        'this API needs the --http-token given at start: send "Authorization: Bearer TOKEN"',
        {},
        { 'WWW-Authenticate': 'Bearer realm="mailsandbox"' },
      );
    }
  }
}
