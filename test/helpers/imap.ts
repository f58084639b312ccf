import assert from 'node:assert/strict';
import type { RawClient } from './raw-client.js';

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
