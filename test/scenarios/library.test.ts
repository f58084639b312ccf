import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

const open: Sandbox[] = [];
after(() => Promise.all(open.map((s) => s.close())));

describe('scenarios through the library API', () => {
  it('seeds maildrops from .eml and mbox files next to the scenario', async () => {
    const dir = tempDir('mailsandbox-seed-');
    writeFileSync(join(dir, 'one.eml'), 'Subject: one\n\nfirst body\n');
    writeFileSync(
      join(dir, 'two.mbox'),
      'From a@example.test Sat Nov 28 08:00:00 2026\nSubject: two\n\n>From the start\n\n' +
        'From b@example.test Sat Nov 28 08:01:00 2026\nSubject: three\n\nthird\n',
    );
    writeFileSync(
      join(dir, 'seeded.yaml'),
      'description: seeded\nmail:\n  - file: one.eml\n    user: alice\n  - file: two.mbox\n    user: alice\n    folder: Archive\n',
    );
    const sb = await startTestSandbox({ listeners: ['smtp'], scenario: await loadScenario(join(dir, 'seeded.yaml')) });
    open.push(sb);
    const drop = sb.store.maildropFor('alice');
    const inbox = await sb.store.folder(drop, 'INBOX');
    const archive = await sb.store.folder(drop, 'Archive');
    assert.deepEqual(
      inbox?.messages.map((m) => m.raw.toString()),
      ['Subject: one\r\n\r\nfirst body\r\n'],
    );
    assert.deepEqual(
      archive?.messages.map((m) => m.raw.toString()),
      ['Subject: two\r\n\r\nFrom the start\r\n\r\n', 'Subject: three\r\n\r\nthird\r\n'],
    );
  });

  it('switches scenario while running: sessions opened afterwards get the new one', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp'], scenario: await loadScenario('accept-all') });
    open.push(sb);
    const greet = async () => {
      const c = await RawClient.connect(sb.ports.smtp!);
      try {
        return await c.readLine();
      } finally {
        c.close();
      }
    };
    assert.match(await greet(), /^220 /);
    sb.useScenario(await loadScenario('greeting-421'), 5);
    assert.equal(await greet(), '421 4.3.2 Service not available, closing channel');
    assert.deepEqual(sb.scenario, { name: 'greeting-421', seed: 5, random: false });
  });
});
