import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import type { Sandbox } from '../../src/sandbox.js';
import { listShippedScenarios } from '../../src/scenario/load.js';
import { scenarioControl } from '../../src/ui/render.js';
import { RawClient } from '../helpers/raw-client.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { KEY, renderApp, type RenderedApp } from './render-app.js';

describe('UI on a real sandbox', () => {
  let sandbox: Sandbox;
  let app: RenderedApp | null = null;

  before(async () => {
    sandbox = await startTestSandbox({ listeners: ['smtp', 'submission', 'pop3'] });
  });
  after(async () => {
    app?.unmount();
    await sandbox.close();
  });

  it('shows a nodemailer session over STARTTLS with AUTH decoded, the 250 after DATA and the close', async () => {
    app = renderApp({
      source: sandbox.transcript,
      listeners: sandbox.listeners,
      fingerprint: sandbox.certificate.fingerprint256,
      size: { columns: 120, rows: 40 },
    });
    const closed = new Promise<void>((resolve) => {
      const off = sandbox.transcript.subscribe((e) => {
        if (e.type === 'session-close') {
          off();
          resolve();
        }
      });
    });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sandbox.ports.submission,
      requireTLS: true,
      auth: { user: 'alice@example.test', pass: 's3cret' },
      tls: { ca: readFileSync(certPath()), servername: 'localhost' },
    });
    await transport.sendMail({
      from: 'alice@example.test',
      to: 'bob@example.test',
      subject: 'UI test',
      text: 'hello from the UI test',
    });
    transport.close();
    await closed;

    const list = await app.waitFor((s) => /smtp#\d+ .* closed/.test(s), 'the closed session row');
    const port = String(sandbox.ports.submission);
    assert.match(list, new RegExp(`submission:${port} STARTTLS`));
    assert.match(
      list,
      /smtp#\d+ +submission +127\.0\.0\.1:\d+ +STARTTLS→TLSv1\.3 +alice@example\.test +closed +\d+ +250/,
    );
    assert.match(list, /msgs 1 +auth 1 ok\/0 failed/);

    await app.press(KEY.enter, KEY.home);
    let frame = await app.waitFor((s) => s.includes('BROWSE'), 'the transcript from its start');
    assert.match(frame, /C: EHLO /);
    assert.match(frame, /C: STARTTLS/);
    assert.match(frame, /\*\* TLS upgraded \(STARTTLS\): TLSv1\.3/);
    assert.match(frame, /C: AUTH PLAIN \S+ {2}⇒ .*alice@example\.test.*s3cret/);
    await app.press(KEY.end);
    frame = await app.waitFor((s) => s.includes('FOLLOW') && s.includes('session closed'), 'the end');
    assert.match(frame, /S: 354 /);
    assert.match(frame, /C: <message body: \d+ bytes>/);
    assert.match(
      frame,
      /-- message \S+ stored \(\d+ bytes\) from <alice@example\.test> to <bob@example\.test>/,
    );
    assert.match(frame, /S: 250 2\.6\.0 Ok: queued as/);
  });

  it('S picks a shipped scenario at runtime: the header shows it and the next session gets it', async () => {
    app?.unmount();
    app = renderApp({
      source: sandbox.transcript,
      listeners: sandbox.listeners,
      fingerprint: sandbox.certificate.fingerprint256,
      scenarios: scenarioControl(sandbox),
      size: { columns: 120, rows: 50 },
    });
    await app.waitFor((s) => s.includes('scenario none'), 'no scenario at first');
    await app.press('S');
    let frame = await app.waitFor((s) => s.includes('Scenario for new sessions'), 'the picker');
    assert.match(frame, /greeting-421 +\S/);
    const index = listShippedScenarios().findIndex((e) => e.name === 'greeting-421');
    assert.ok(index > 0);
    await app.press(...Array<string>(index).fill('j'));
    await app.waitFor((s) => /^> greeting-421/m.test(s), 'greeting-421 highlighted');
    await app.press(KEY.enter);
    frame = await app.waitFor((s) => /scenario greeting-421 for new sessions/.test(s), 'the status');
    // No random rules: no seed to show.
    assert.match(frame, /scenario greeting-421\n/, 'the header names it');

    // POP3 asks the running scenario at each new session's greeting.
    const client = await RawClient.connect(sandbox.ports.pop3!);
    try {
      assert.match(await client.readLine(), /^-ERR \[SYS\/TEMP\] Service not available/);
      await client.waitClosed();
    } finally {
      client.close();
    }
  });
});
