import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sandbox, TranscriptEvent } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';
import { formatTranscript } from '../../src/transcript/export.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/wait.js';

/** What the transcript says of the wrong TLS mode, odd input and why a session ended. */
describe('SMTP transcript diagnostics', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'submission', 'smtps', 'imap', 'imaps'] });
  });
  after(() => sb.close());

  const sessionsBefore = () => new Set(sb.transcript.history().map((e) => e.sid));
  /** The events of the one session opened since `known` was taken, once it has closed. */
  async function closedSession(known: Set<string>): Promise<TranscriptEvent[]> {
    const sid = await waitFor(
      () => sb.transcript.history().find((e) => e.type === 'session-open' && !known.has(e.sid))?.sid,
      'a new session',
    );
    await waitFor(
      () => sb.transcript.history(sid).some((e) => e.type === 'session-close'),
      `the close of ${sid}`,
      10_000,
    );
    return sb.transcript.history(sid);
  }
  const notes = (events: TranscriptEvent[]) => events.flatMap((e) => (e.type === 'note' ? [e.text] : []));
  const closeReason = (events: TranscriptEvent[]) =>
    events.flatMap((e) => (e.type === 'session-close' ? [e.reason] : []))[0];

  for (const [plainPort, implicitPort] of [
    ['smtp', 'smtps'],
    ['imap', 'imaps'],
  ] as const) {
    it(`openssl s_client speaking implicit TLS to the ${plainPort} port is told where implicit TLS is`, async () => {
      const known = sessionsBefore();
      await run(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${sb.ports[plainPort]}`, '-CAfile', certPath()],
        {
          input: '',
          timeoutMs: 10_000,
        },
      );
      const events = await closedSession(known);
      assert.ok(
        notes(events).includes(
          'the client started a TLS handshake at once: it expects implicit TLS, but this port starts in plain ' +
            `text (STARTTLS after the greeting); implicit TLS is on port ${sb.ports[implicitPort]}`,
        ),
        JSON.stringify(notes(events)),
      );
    });
  }

  it('plain text on the implicit-TLS port: the reason without OpenSSL internals, the plain ports, before the close', async () => {
    const known = sessionsBefore();
    const c = await RawClient.connect(sb.ports.smtps!);
    c.send('EHLO plain.test');
    await c.waitClosed(10_000);
    const events = await closedSession(known);
    const note = notes(events).find((n) => n.startsWith('TLS handshake failed'));
    assert.equal(
      note,
      'TLS handshake failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER): the client sent plain text, ' +
        `not a TLS handshake — it expects a port that starts in plain text (ports ${sb.ports.smtp}, ${sb.ports.submission}), ` +
        'or it needs its TLS setting changed to implicit TLS (SSL/TLS)',
    );
    assert.deepEqual(
      events.slice(-2).map((e) => e.type),
      ['note', 'session-close'],
      'the handshake failure comes before the close',
    );
    assert.equal(closeReason(events), 'TLS handshake failed');
  });

  it('plain text after STARTTLS: a handshake failure in the transcript, not a bare socket error', async () => {
    const known = sessionsBefore();
    const c = await RawClient.connect(sb.ports.submission!);
    await c.readLine();
    c.send('EHLO x.test');
    await c.readUntil(/^250 /);
    c.send('STARTTLS');
    assert.match(await c.readLine(), /^220 /);
    c.send('EHLO still-plain.test');
    await c.waitClosed(10_000);
    const events = await closedSession(known);
    assert.ok(
      notes(events).includes('TLS handshake failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)'),
      JSON.stringify(notes(events)),
    );
    assert.equal(closeReason(events), 'TLS handshake failed');
  });

  it('a client silent on the implicit-TLS port: the note, then the close', async () => {
    const known = sessionsBefore();
    const c = await RawClient.connect(sb.ports.smtps!);
    await new Promise((r) => setTimeout(r, 100));
    c.socket.end();
    const events = await closedSession(known);
    assert.deepEqual(
      events.slice(-2).map((e) => (e.type === 'note' ? e.text : e.type)),
      ['TLS handshake failed: connection closed during the TLS handshake', 'session-close'],
    );
  });

  it('an overlong command line: a note with the limit, and the close says the server hung up after 421', async () => {
    const known = sessionsBefore();
    const c = await RawClient.connect(sb.ports.smtp!);
    await c.readLine();
    c.socket.write(`EHLO ${'x'.repeat(70_000)}\r\n`);
    assert.match(await c.readLine(), /^421 /);
    const events = await closedSession(known);
    assert.ok(
      notes(events).some((n) => /command line over the \d+-byte limit/.test(n)),
      JSON.stringify(notes(events)),
    );
    assert.equal(closeReason(events), 'server closed the connection after 421 Error: Command line too long');
  });

  it('QUIT: the close says the server closed after 221', async () => {
    const known = sessionsBefore();
    const c = await RawClient.connect(sb.ports.smtp!);
    await c.readLine();
    c.send('QUIT');
    assert.match(await c.readLine(), /^221 /);
    const events = await closedSession(known);
    assert.equal(closeReason(events), 'QUIT: the server closed the connection after 221');
  });

  it('the text transcript shows control characters as symbols; the events keep them raw', async () => {
    const known = sessionsBefore();
    const c = await RawClient.connect(sb.ports.smtp!);
    await c.readLine();
    c.socket.write('EHLO \x1b[31mred\x1b]0;TITLE\x07\r\r\n');
    await c.readUntil(/^\d{3} /);
    c.send('QUIT');
    const events = await closedSession(known);
    const text = formatTranscript(events);
    assert.ok(text.includes('C: EHLO ␛[31mred␛]0;TITLE␇␍'), text);
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/);
    assert.ok(
      events.some((e) => e.type === 'client-line' && e.line === 'EHLO \x1b[31mred\x1b]0;TITLE\x07\r'),
    );
  });
});

describe('SMTP SIZE from a scenario', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp'], scenario: await loadScenario('message-too-large') });
  });
  after(() => sb.close());

  it('a message over it, sent without SIZE= on MAIL FROM, gets 552 naming the scenario limit', async () => {
    const c = await RawClient.connect(sb.ports.smtp!);
    await c.readLine();
    c.send('EHLO big.test');
    assert.ok((await c.readUntil(/^250 /)).some((l) => /^250[- ]SIZE 1000$/.test(l)));
    c.send('MAIL FROM:<a@example.test>');
    assert.match(await c.readLine(), /^250 /);
    c.send('RCPT TO:<b@example.test>');
    assert.match(await c.readLine(), /^250 /);
    c.send('DATA');
    assert.match(await c.readLine(), /^354 /);
    c.socket.write(`Subject: big\r\n\r\n${'y'.repeat(2000)}\r\n.\r\n`);
    assert.equal(await c.readLine(), '552 5.3.4 Error: message exceeds fixed maximum message size 1000');
    assert.equal(sb.messages().length, 0);
    c.socket.destroy();
  });
});
