import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from './raw-client.js';
import { certPath, inlineScenario, startTestSandbox } from './sandbox.js';

/** Sends one IMAP command; returns its lines up to the tagged reply. */
export async function run(c: RawClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

/** Sends one IMAP command that must end in a tagged OK; returns its lines. */
export async function ok(c: RawClient, tag: string, line: string): Promise<string[]> {
  const lines = await run(c, tag, line);
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), lines.join('\n'));
  return lines;
}

/**
 * A raw client on `port`, past the greeting and logged in as test/secret (any password works in
 * accept-any mode), with `mailbox` selected if given; pushed to `clients` for the suite's `after`.
 */
export async function signedIn(port: number, clients: RawClient[], mailbox?: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  await c.readLine();
  await ok(c, 'l', 'LOGIN test secret');
  if (mailbox) await ok(c, 's', `SELECT ${mailbox}`);
  return c;
}

/**
 * A sandbox with only the IMAP listener, a scenario given as YAML text if any, the sandbox's `users`
 * if any, and `messages` in the INBOX of user test; pushed to `sandboxes` for the suite's `after`.
 */
export async function imapSandbox(
  sandboxes: Sandbox[],
  setup: { scenario?: string | null; users?: Record<string, string>; messages?: Buffer[] },
): Promise<Sandbox> {
  const scenario = setup.scenario ? await inlineScenario(setup.scenario) : undefined;
  const sb = await startTestSandbox({ listeners: ['imap'], scenario, users: setup.users });
  sandboxes.push(sb);
  for (const message of setup.messages ?? [])
    await sb.store.append(sb.store.maildropFor('test'), 'INBOX', message);
  return sb;
}

/**
 * imapflow (a client we did not write) on 127.0.0.1:`port`: implicit TLS, STARTTLS or plain text,
 * trusting only the sandbox certificate, with bounded connect and greeting waits. Not yet connected.
 */
export function imapFlow(
  port: number,
  over: 'implicit' | 'starttls' | 'plain',
  auth: ImapFlowOptions['auth'],
  extra: Partial<ImapFlowOptions> = {},
): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: over === 'implicit',
    doSTARTTLS: over === 'starttls' ? true : over === 'plain' ? false : undefined,
    servername: 'localhost',
    tls: { ca: readFileSync(certPath()), rejectUnauthorized: true },
    auth,
    logger: false,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    ...extra,
  });
}
