import type { IncomingMessage, ServerResponse } from 'node:http';

/** An API error: the status says what kind (400 bad input, 404, 405, 413, 415, …), `code` names it for code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Headers every answer carries: nothing is sniffed, framed by another site or cached. No CORS header
 *  is ever sent, so a page of another origin cannot read an answer (issue 18: no CORS). */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value, null, 2) + '\n', 'application/json; charset=utf-8');
}

export function sendError(res: ServerResponse, err: HttpError): void {
  const body = { status: err.status, error: err.code, message: err.message, ...err.extra };
  send(res, err.status, JSON.stringify(body, null, 2) + '\n', 'application/json; charset=utf-8', err.headers);
}

/**
 * The JSON body of a PUT or POST, read up to `maxBytes`: 415 unless it says it is JSON, 413 past the
 * limit (counted as it arrives, so a lying Content-Length cannot make it buffer more), 400 unless it parses.
 */
export async function readJson(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ value: unknown; text: string }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.-]+\+json$/.test(type)) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      `send the body as application/json (got ${type || 'no Content-Type'})`,
    );
  }
  const tooLarge = () =>
    new HttpError(
      413,
      'body-too-large',
      `the body is larger than ${maxBytes} bytes`,
      {},
      { Connection: 'close' },
    );
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch (err) {
    throw new HttpError(400, 'bad-json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
