/**
 * The web page: a few files shipped as they are (no build step), read once on first use. They live in
 * src/http/page/ and are shipped in the package from there (package.json `files`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HttpError, send } from './respond.js';
import type { ApiRequest, Route } from './router.js';

/** dist/src/http/static.js → ../../../src/http/page/ */
const PAGE_DIR = fileURLToPath(new URL('../../../src/http/page/', import.meta.url));

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

/** The page runs only its own scripts and talks only to this origin; nothing a client sent can add code. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let contents: Map<string, Buffer> | null = null;

function serve({ res, params }: ApiRequest): void {
  const name = params[0] || 'index.html';
  if (!Object.hasOwn(FILES, name)) throw new HttpError(404, 'not-found', `no such file: /${name}`);
  contents ??= new Map(Object.keys(FILES).map((f) => [f, readFileSync(PAGE_DIR + f)]));
  send(res, 200, contents.get(name)!, FILES[name]!, {
    'Content-Security-Policy': PAGE_POLICY,
    'Cache-Control': 'no-cache',
  });
}

export const PAGE_ROUTES: Route[] = [
  { method: 'GET', path: /^\/([\w-]+\.(?:html|css|js))?$/, handle: serve },
];
