/**
 * The web page: three files shipped as they are (no build step), read once at start. They live in
 * src/http/page/ and are shipped in the package from there (package.json `files`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { send } from './respond.js';
import type { ApiRequest, Route } from './router.js';

/** dist/src/http/static.js → ../../../src/http/page/ */
const PAGE_DIR = fileURLToPath(new URL('../../../src/http/page/', import.meta.url));

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** The page runs only its own script and talks only to this origin; nothing a client sent can add code. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let files: Map<string, Buffer> | null = null;
function asset(name: string): Buffer {
  files ??= new Map(Object.keys(TYPES).map((f) => [f, readFileSync(PAGE_DIR + f)]));
  return files.get(name)!;
}

function serve(name: string) {
  return ({ res }: ApiRequest) =>
    send(res, 200, asset(name), TYPES[name]!, {
      'Content-Security-Policy': PAGE_POLICY,
      'Cache-Control': 'no-cache',
    });
}

export const PAGE_ROUTES: Route[] = [
  { method: 'GET', path: /^\/$/, handle: serve('index.html') },
  { method: 'GET', path: /^\/app\.js$/, handle: serve('app.js') },
  { method: 'GET', path: /^\/style\.css$/, handle: serve('style.css') },
];
