import { request } from 'node:http';
import type { Sandbox } from '../../src/index.js';

export function apiBase(sandbox: Sandbox): string {
  return `http://127.0.0.1:${sandbox.ports.http}/api/v1`;
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  assertOk(res, await res.clone().text());
  return (await res.json()) as T;
}

function assertOk(res: Response, body: string): void {
  if (!res.ok) throw new Error(`${res.status} ${res.url}: ${body}`);
}

/** A request with headers fetch will not let a page set (Host), answered as status and JSON text. */
export function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Reads Server-Sent Events until `match` accepts one (parsed `data:`), bounded by `timeoutMs`. */
export async function readEvents(
  url: string,
  match: (event: Record<string, unknown>) => boolean,
  timeoutMs: number,
  onOpen: () => void = () => {},
): Promise<{ event: Record<string, unknown>; raw: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let raw = '';
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (res.status !== 200) throw new Error(`events: ${res.status}`);
    assertHeader(res.headers.get('content-type'));
    onOpen();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended; got:\n${raw}`);
      raw += decoder.decode(value, { stream: true });
      for (const block of raw.split('\n\n').slice(0, -1)) {
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const event = JSON.parse(data.slice(6)) as Record<string, unknown>;
        if (match(event)) return { event, raw };
      }
    }
  } catch (err) {
    if (abort.signal.aborted) throw new Error(`no matching event within ${timeoutMs} ms; got:\n${raw}`);
    throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

function assertHeader(type: string | null): void {
  if (!type?.startsWith('text/event-stream')) throw new Error(`events: Content-Type ${type}`);
}
