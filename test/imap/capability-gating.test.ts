import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { imapSandbox } from '../helpers/imap.js';

/**
 * A capability a scenario removes switches its extension off: the command is answered as a server
 * without it answers (`BAD unknown command`), not only left out of CAPABILITY.
 */

const GATED = [
  ['IDLE', 'IDLE'],
  ['MOVE', 'MOVE 1 Trash'],
  ['MOVE', 'UID MOVE 1 Trash'],
  ['UIDPLUS', 'UID EXPUNGE 1'],
  ['ENABLE', 'ENABLE CONDSTORE'],
  ['UNSELECT', 'UNSELECT'],
  ['NAMESPACE', 'NAMESPACE'],
  ['ID', 'ID NIL'],
] as const;

const open: Sandbox[] = [];
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(open.map((s) => s.close()));
});

async function selectedClient(scenario: string | null): Promise<RawClient> {
  const sb = await imapSandbox(open, { scenario, messages: [Buffer.from('Subject: one\r\n\r\nbody\r\n')] });
  const c = await RawClient.connect(sb.ports.imap!);
  clients.push(c);
  await c.readLine();
  await command(c, 'l', 'LOGIN test secret');
  await command(c, 's', 'SELECT INBOX');
  return c;
}

async function command(c: RawClient, tag: string, line: string): Promise<string> {
  c.send(`${tag} ${line}`);
  return (await c.readUntil(new RegExp(`^${tag} `))).at(-1)!;
}

describe('IMAP capability removal disables the extension', () => {
  it('answers BAD unknown command for every command whose capability was removed', async () => {
    const removed = [...new Set(GATED.map(([cap]) => cap))];
    const c = await selectedClient(`
description: no extensions
imap:
  capabilities: { remove: [${removed.join(', ')}] }
`);
    for (const [cap, line] of GATED) {
      const reply = await command(c, 't', line);
      assert.match(reply, /^t BAD unknown command/, `${line} without ${cap}: ${reply}`);
    }
  });

  it('runs the same commands when the capabilities are advertised', async () => {
    const c = await selectedClient(null);
    for (const [, line] of GATED) {
      if (line === 'IDLE') {
        c.send('t IDLE');
        assert.match(await c.readLine(), /^\+ /);
        c.send('DONE');
        assert.match((await c.readUntil(/^t /)).at(-1)!, /^t OK/);
        continue;
      }
      const reply = await command(c, 't', line);
      assert.match(reply, /^t OK/, `${line}: ${reply}`);
      if (line === 'UNSELECT') await command(c, 's', 'SELECT INBOX');
    }
  });
});
