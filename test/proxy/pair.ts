import { readFileSync } from 'node:fs';
import type { Sandbox, SandboxOptions } from '../../src/index.js';
import type { ProxyOptions } from '../../src/proxy/handler.js';
import type { UpstreamSpec } from '../../src/proxy/upstream.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';

export const IMPLICIT = new Set(['smtps', 'imaps', 'pop3s']);

/** The proxy's upstream table for every listener of `upstream`, each to the same-named one. */
export function upstreamsOf(upstream: Sandbox): Record<string, UpstreamSpec> {
  const out: Record<string, UpstreamSpec> = {};
  for (const [name, port] of Object.entries(upstream.ports))
    if (name !== 'http')
      out[name] = { host: '127.0.0.1', port, tls: IMPLICIT.has(name) ? 'implicit' : 'starttls' };
  return out;
}

export interface Pair {
  upstream: Sandbox;
  proxy: Sandbox;
  close(): Promise<void>;
}

/**
 * A second sandbox as the real server and a proxy in front of it on ephemeral ports of 127.0.0.1,
 * every listener forwarded to its namesake, the upstream's certificate checked against its CA file.
 */
export async function startPair(
  options: { upstream?: SandboxOptions; proxy?: SandboxOptions; proxyOptions?: Partial<ProxyOptions> } = {},
): Promise<Pair> {
  const upstream = await startTestSandbox(options.upstream);
  const proxy = await startTestSandbox({
    ...options.proxy,
    proxy: {
      upstreams: upstreamsOf(upstream),
      upstreamCa: readFileSync(certPath(), 'utf8'),
      ...options.proxyOptions,
    },
  });
  return {
    upstream,
    proxy,
    close: async () => {
      await proxy.close();
      await upstream.close();
    },
  };
}

/** Lines of one kind across all the proxy's sessions of a protocol. */
export function linesOf(sandbox: Sandbox, type: 'client-line' | 'server-line', sidPrefix: string): string[] {
  return sandbox.transcript
    .history()
    .filter((e) => e.sid.startsWith(sidPrefix) && e.type === type)
    .map((e) => (e as { line: string }).line);
}
