import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Sandbox } from '../../src/index.js';
import { imapFlow } from '../helpers/imap.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';

const HOSTILE_SUBJECT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/** Debian's chromium, headless, in a fresh profile, with nothing that reaches the network on its own. */
async function launch(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    timeout: 30_000,
    viewport: { width: 1400, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('web page (headless Chromium)', () => {
  let sandbox: Sandbox;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  let recorded: string;
  const pageErrors: string[] = [];

  before(async () => {
    recorded = mkdtempSync(join(tmpdir(), 'mailsandbox-record-'));
    sandbox = await startTestSandbox({ listeners: ['smtp', 'imap', 'http'], record: recorded });
    profile = mkdtempSync(join(tmpdir(), 'mailsandbox-chromium-'));
    browser = await launch(profile);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(`http://127.0.0.1:${sandbox.ports.http}/`, { timeout: 10_000 });
    await page.locator('#live', { hasText: /^live$/ }).waitFor({ timeout: 5_000 });
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (recorded) rmSync(recorded, { recursive: true, force: true });
  });

  it('shows a new session live, with its transcript', async () => {
    await sendMail({ port: sandbox.ports.smtp!, raw: sampleMessage(HOSTILE_SUBJECT) });
    const row = page.locator('#session-rows tr').first();
    await row.waitFor({ timeout: 3_000 });
    const sid = await row.getAttribute('data-sid');
    assert.match(sid ?? '', /^smtp#\d+$/);
    await row.click();
    await page
      .locator('#transcript', { hasText: 'C: MAIL FROM:<sender@example.test>' })
      .waitFor({ timeout: 3_000 });
    await page.locator('#session-rows tr.closed').first().waitFor({ timeout: 3_000 });
  });

  it("shows the message's subject as text: a <script> subject runs nothing", async () => {
    await page.click('#tab-messages');
    const subject = page.locator('#message-rows td.subject').first();
    await subject.waitFor({ timeout: 3_000 });
    assert.equal(await subject.textContent(), HOSTILE_SUBJECT);
    await page.locator('#message-rows tr').first().click();
    const heading = page.locator('#message-detail h2');
    await heading.waitFor({ timeout: 3_000 });
    assert.equal(await heading.textContent(), HOSTILE_SUBJECT);
    await page.locator('#message-detail .mime a', { hasText: 'x.bin' }).waitFor({ timeout: 3_000 });
    assert.match((await page.locator('#message-detail pre.raw').textContent()) ?? '', /^From: Root/);
    // Nothing the client sent became markup: the only script is the page's own, no <img> was made.
    assert.equal(await page.locator('script').count(), 1);
    assert.equal(await page.locator('#message-detail img, #message-rows img').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    if (process.env.MAILSANDBOX_SCREENSHOT)
      await page.screenshot({ path: process.env.MAILSANDBOX_SCREENSHOT });
    assert.deepEqual(pageErrors, []);
  });

  it('shows an IMAP APPEND as the --record transcript file does: stored in the folder, no envelope', async () => {
    const client = imapFlow(sandbox.ports.imap!, 'plain', { user: 'ann', pass: 'x' });
    await client.connect();
    try {
      await client.append('INBOX', 'Subject: appended\r\n\r\nhello\r\n');
    } finally {
      await client.logout();
    }
    await page.click('#tab-sessions');
    const row = page.locator('#session-rows tr', { hasText: 'imap#' }).first();
    await row.waitFor({ timeout: 3_000 });
    const sid = (await row.getAttribute('data-sid'))!;
    await row.click();
    const stored = page.locator('#transcript div', { hasText: ' stored (' });
    await stored.waitFor({ timeout: 3_000 });
    await page.locator('#session-rows tr.closed', { hasText: sid }).waitFor({ timeout: 3_000 });
    // The .txt file --record writes as the session goes (written asynchronously: polled).
    const fileLine = await waitFor(() => {
      const file = readdirSync(recorded).find((f) => f.endsWith(`_${sid.replace('#', '-')}.txt`));
      if (!file) return null;
      return readFileSync(join(recorded, file), 'utf8')
        .split('\n')
        .find((l) => l.includes(' stored ('));
    }, `the stored line in the recorded file of ${sid}`);
    assert.match(fileLine, /^[\d:.]+ -- message \S+ stored \(\d+ bytes\) in INBOX$/);
    assert.equal(await stored.textContent(), fileLine);
    assert.deepEqual(pageErrors, []);
  });
});
