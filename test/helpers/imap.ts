import assert from 'node:assert/strict';
import { RawClient } from './raw-client.js';

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
