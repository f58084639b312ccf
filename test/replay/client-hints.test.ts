import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

/** A pasted submission session that went through STARTTLS, recorded by a proxy with --redact. */
const PASTED = [
  'S: 220 mailsandbox.localhost ESMTP mailsandbox ready',
  'C: EHLO client.example.test',
  'S: 250 STARTTLS',
  'C: STARTTLS',
  'S: 220 2.0.0 Ready to start TLS',
  'C: EHLO client.example.test',
  'S: 250 SIZE 52428800',
  'C: AUTH PLAIN ***',
  'S: 235 2.7.0 Authentication successful',
  'C: QUIT',
  'S: 221 2.0.0 Bye',
].join('\n');

describe('replay --client: what a recording it cannot follow is told', () => {
  let sandbox: Sandbox;
  let dir: string;
  let rec: string;
  before(async () => {
    sandbox = await startTestSandbox({ listeners: ['smtp'] });
    dir = tempDir();
    rec = join(dir, 'pasted.txt');
    writeFileSync(rec, PASTED);
  });
  after(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a STARTTLS recording replayed without --tls stops where the server began TLS, naming the flag', async () => {
    const r = await run('node', [CLI, 'replay', '--client', rec, '--to', `127.0.0.1:${sandbox.ports.smtp}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /S: 220 2\.0\.0 Ready to start TLS\n!! the server began TLS here: run again with --tls starttls\n/,
    );
    assert.doesNotMatch(r.stdout, /C: AUTH/);
  });

  it('a --redact recording says its passwords are sent as ***', async () => {
    const r = await run('node', [
      CLI,
      'replay',
      '--client',
      rec,
      '--to',
      `127.0.0.1:${sandbox.ports.smtp}`,
      '--tls',
      'starttls',
    ]);
    assert.match(r.stdout, /^-- note: this recording was made with --redact/);
    assert.match(r.stdout, /C: AUTH PLAIN \*\*\*\n!! expected: 235 /);
  });
});
