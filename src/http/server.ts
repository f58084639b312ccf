/**
 * The `http` listener (issue 18): the JSON API under /api/v1/ and the web page at /, on Node's own
 * http module. Every request passes the guard (Host, Origin, token) before any route runs.
 */
import http from 'node:http';
import { isLoopback } from '../config/defaults.js';
import type { Limits } from '../config/limits.js';
import { bindServer, type ListenerHandle, type ListenerStatus } from '../core/listener.js';
import type { Sandbox } from '../sandbox.js';
import type { Scenario } from '../scenario/load.js';
import { checkRequest, type GuardOptions } from './guard.js';
import { MESSAGE_ROUTES } from './messages.js';
import { HttpError, sendError } from './respond.js';
import { findRoute, type HttpContext, type Route } from './router.js';
import { SCENARIO_ROUTES } from './scenario.js';
import { SESSION_ROUTES } from './sessions.js';
import { EVENT_ROUTES } from './sse.js';
import { PAGE_ROUTES } from './static.js';

/** The table of contents of the API. */
const ROUTES: readonly Route[] = [
  ...PAGE_ROUTES,
  ...MESSAGE_ROUTES,
  ...SESSION_ROUTES,
  ...EVENT_ROUTES,
  ...SCENARIO_ROUTES,
];

export interface HttpDeps {
  /** The sandbox, once startSandbox has returned (null before). */
  sandbox(): Sandbox | null;
  scenario(): Scenario | null;
  limits: Limits;
  hostname: string;
  token: string | null;
}

export async function startHttpListener(
  spec: { name: string; host: string; port: number },
  deps: HttpDeps,
): Promise<ListenerHandle> {
  const status: ListenerStatus = {
    name: spec.name,
    proto: 'http',
    tls: 'plain',
    host: spec.host,
    requestedPort: spec.port,
    port: null,
    error: null,
  };
  if (!isLoopback(spec.host) && !deps.token) {
    status.error = `not started: --host ${spec.host} reaches beyond this machine, so the API needs --http-token TOKEN (a bearer token clients send)`;
    return { status, close: async () => {} };
  }
  const guard: GuardOptions = { host: spec.host, hostname: deps.hostname, token: deps.token };
  let ctx: HttpContext | null = null;
  const streams: HttpContext['streams'] = new Set();

  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
        checkRequest(req, url, guard);
        const sandbox = deps.sandbox();
        if (!sandbox) throw new HttpError(503, 'starting', 'the sandbox is still starting');
        ctx ??= { sandbox, scenario: deps.scenario, limits: deps.limits, sessionsSince: 0, streams };
        const { route, params } = findRoute(ROUTES, req.method ?? 'GET', url.pathname);
        await route.handle({ req, res, url, params, ctx });
      } catch (err) {
        const error =
          err instanceof HttpError
            ? err
            : new HttpError(500, 'internal-error', (err as Error).message ?? String(err));
        if (res.headersSent) res.destroy();
        else sendError(res, error);
      }
    })();
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await bindServer(server, spec, status);
  return {
    status,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of [...streams]) stream.end('sandbox shutting down');
        if (status.port === null) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
