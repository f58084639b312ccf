import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

async function command(client: RawClient, tag: string, line: string): Promise<string[]> {
  client.send(`${tag} ${line}`);
  const lines = await client.readUntil(new RegExp(`^${tag} `));
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), lines.join('\n'));
  return lines;
}

const message = (subject: string) =>
  `Subject: ${subject}\r\nFrom: a@example.test\r\n\r\nbody of ${subject}\r\n`;

/**
 * The index keeps no file name per message: it makes `<id>,U=<uid>:2,<letters>` from the message, and
 * remembers only names spelled otherwise (store/disk-message.ts). Files put into `cur/` by hand with
 * such names must still be read, renamed on a flag change and removed on an expunge.
 */
describe('Maildir files named otherwise than the store names them', () => {
  const dir = tempDir();
  let sb: Sandbox | null = null;
  after(() => sb?.close());

  it('are read, renamed by a flag change and removed by an expunge', async () => {
    const cur = join(dir, 'shared', 'cur');
    mkdirSync(cur, { recursive: true });
    for (const d of ['new', 'tmp']) mkdirSync(join(dir, 'shared', d));
    // Letters out of order, no info part at all, and one the store would write as it is.
    writeFileSync(join(cur, 'odd1,U=1:2,SR'), message('one'));
    writeFileSync(join(cur, 'odd2,U=2'), message('two'));
    writeFileSync(join(cur, 'plain3,U=3:2,S'), message('three'));
    sb = await startTestSandbox({ listeners: ['imap'], maildir: dir });
    const c = await RawClient.connect(sb.ports.imap!);
    await c.readLine();
    await command(c, 'l', 'LOGIN test testpass');
    await command(c, 's', 'SELECT INBOX');
    const bodies = (await command(c, 'f', 'FETCH 1:3 (FLAGS BODY.PEEK[TEXT])')).join('\n');
    for (const [n, s] of [
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ])
      assert.match(
        bodies,
        new RegExp(`^\\* ${n} FETCH \\(FLAGS \\([^)]*\\) BODY\\[TEXT\\] \\{\\d+\\}\\r?\\nbody of ${s}`, 'm'),
      );
    assert.match(bodies, /^\* 1 FETCH \(FLAGS \(\\Seen \\Answered( \\Recent)?\)/m);

    await command(c, 'st', 'STORE 1:3 +FLAGS (\\Flagged)');
    assert.deepEqual(readdirSync(cur).sort(), ['odd1,U=1:2,FRS', 'odd2,U=2:2,F', 'plain3,U=3:2,FS']);
    const again = (await command(c, 'f2', 'FETCH 1:3 (BODY.PEEK[TEXT])')).join('\n');
    assert.equal(again.match(/body of (one|two|three)/g)?.length, 3, again);

    await command(c, 'd', 'STORE 2 +FLAGS (\\Deleted)');
    await command(c, 'e', 'EXPUNGE');
    assert.deepEqual(readdirSync(cur).sort(), ['odd1,U=1:2,FRS', 'plain3,U=3:2,FS']);
    await command(c, 'z', 'LOGOUT');
    await c.waitClosed();
  });
});
