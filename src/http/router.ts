import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Limits } from '../config/limits.js';
import type { Sandbox } from '../sandbox.js';
import type { Scenario } from '../scenario/load.js';
import { HttpError } from './respond.js';

/** What a handler reaches: the sandbox and the few things the public Sandbox object does not carry. */
export interface HttpContext {
  sandbox: Sandbox;
  /** The running scenario (to start it afresh on reset), or null. */
  scenario(): Scenario | null;
  limits: Limits;
  /** Sessions are listed from events after this bus position (POST /reset moves it). */
  sessionsSince: number;
  /** Open event streams, ended when the listener closes. */
  streams: Set<{ end(reason: string): void }>;
}

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The decoded path segments the route's pattern captured. */
  params: string[];
  ctx: HttpContext;
}

export type Handler = (request: ApiRequest) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Matched against the whole path; groups become `params`. */
  path: RegExp;
  handle: Handler;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad-path', `${JSON.stringify(segment)} is not a valid path segment`);
  }
}

/** The route for a method and path: 404 when no path matches, 405 (with Allow) when only the method is wrong. */
export function findRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const match = route.path.exec(path);
    if (!match) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
      return { route, params: match.slice(1).map((s) => decode(s ?? '')) };
    }
    allowed.push(route.method);
  }
  if (allowed.length) {
    if (allowed.includes('GET')) allowed.push('HEAD');
    throw new HttpError(
      405,
      'method-not-allowed',
      `${method} is not allowed on ${path}`,
      {},
      { Allow: allowed.join(', ') },
    );
  }
  throw new HttpError(404, 'not-found', `no such resource: ${path}`);
}
