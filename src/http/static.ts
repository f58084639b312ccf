/**
 * The web page: a few files shipped as they are (no build step), read once on first use. They live in
 * src/http/page/ and are shipped in the package from there (package.json `files`).
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { HttpError, send } from './respond.js';
import type { ApiRequest, Route } from './router.js';

/** dist/src/http/static.js → ../../../src/http/page/ */
const PAGE_DIR = fileURLToPath(new URL('../../../src/http/page/', import.meta.url));
/** dist/src/http/static.js → ../transcript/: compiled modules the page imports as they are. */
const SHARED_DIR = fileURLToPath(new URL('../transcript/', import.meta.url));

const JS = 'text/javascript; charset=utf-8';
/** Every file the page is made of; nothing else in the folder is served. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'app.js': JS,
  'dom.js': JS,
  'transcript.js': JS,
  'sessions.js': JS,
  'messages.js': JS,
};

/**
 * The server's own modules the page uses, served from the build at /transcript/NAME (the path their
 * relative imports resolve to), so the page and the text files describe an event with one piece of
 * code. They import nothing from Node; types are erased at build.
 */
const SHARED = ['describe.js', 'visible.js'];

/** The page runs only its own scripts and talks only to this origin; nothing a client sent can add code. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let contents: Map<string, Buffer> | null = null;

function serve({ res, params }: ApiRequest): void {
  const name = params[0] || 'index.html';
  if (!Object.hasOwn(FILES, name)) throw new HttpError(404, 'not-found', `no such file: /${name}`);
  contents ??= new Map(Object.keys(FILES).map((f) => [f, readFileSync(PAGE_DIR + f)]));
  reply(res, contents.get(name)!, FILES[name]!);
}

let shared: Map<string, Buffer> | null = null;

function serveShared({ res, params }: ApiRequest): void {
  const name = params[0]!;
  if (!SHARED.includes(name)) throw new HttpError(404, 'not-found', `no such file: /transcript/${name}`);
  shared ??= new Map(SHARED.map((f) => [f, readFileSync(SHARED_DIR + f)]));
  reply(res, shared.get(name)!, JS);
}

function reply(res: ServerResponse, body: Buffer, type: string): void {
  send(res, 200, body, type, { 'Content-Security-Policy': PAGE_POLICY, 'Cache-Control': 'no-cache' });
}

export const PAGE_ROUTES: Route[] = [
  { method: 'GET', path: /^\/([\w-]+\.(?:html|css|js))?$/, handle: serve },
  { method: 'GET', path: /^\/transcript\/([\w-]+\.js)$/, handle: serveShared },
];
