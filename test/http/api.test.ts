import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';
import { apiBase, getJson, rawRequest, readEvents } from './support.js';

interface Listed {
  total: number;
  messages: { id: string; subject: string; sid: string; rcptTo: string[]; from: string }[];
}

describe('HTTP API (fetch)', () => {
  let sandbox: Sandbox;
  let api: string;
  before(async () => {
    sandbox = await startTestSandbox({ listeners: ['smtp', 'http'] });
    api = apiBase(sandbox);
  });
  after(() => sandbox.close());

  /** swaks sending grey@example.test the same triple each time (greylisting counts triples). */
  const greylistedSend = () =>
    run('swaks', [
      '--server',
      `127.0.0.1:${sandbox.ports.smtp}`,
      '--to',
      'grey@example.test',
      '--from',
      'x@example.test',
      '--silent',
      '2',
    ]);

  it('lists delivered messages newest first, filters them, and hands out the exact bytes and decoded parts', async () => {
    const raw = sampleMessage('first of two');
    await sendMail({ port: sandbox.ports.smtp!, raw, to: ['carol@example.test'] });
    await sendMail({ port: sandbox.ports.smtp!, raw: sampleMessage('second =?UTF-8?Q?gr=C3=BC=C3=9Fe?=') });
    const list = await getJson<Listed>(`${api}/messages`);
    assert.equal(list.total, 2);
    assert.deepEqual(
      list.messages.map((m) => m.subject),
      ['second grüße', 'first of two'],
    );
    const byRcpt = await getJson<Listed>(`${api}/messages?to=carol@`);
    assert.deepEqual(
      byRcpt.messages.map((m) => m.subject),
      ['first of two'],
    );
    assert.equal((await getJson<Listed>(`${api}/messages?subject=GRÜSSE`)).total, 0);
    assert.equal((await getJson<Listed>(`${api}/messages?subject=grüße&limit=1&offset=0`)).total, 1);
    assert.equal(
      (await getJson<Listed>(`${api}/messages?limit=1&offset=1`)).messages[0]!.subject,
      'first of two',
    );

    const id = byRcpt.messages[0]!.id;
    const rawRes = await fetch(`${api}/messages/${id}/raw`);
    assert.equal(rawRes.headers.get('content-type'), 'message/rfc822');
    assert.deepEqual(Buffer.from(await rawRes.arrayBuffer()), raw);

    const detail = await getJson<{
      sid: string;
      envelope: { mailFrom: string; rcptTo: string[] };
      headers: { name: string; value: string }[];
      mime: { type: string; children: { part: string; type: string; filename?: string }[] };
    }>(`${api}/messages/${id}`);
    assert.match(detail.sid, /^smtp#\d+$/);
    assert.deepEqual(detail.envelope.rcptTo, ['carol@example.test']);
    assert.deepEqual(detail.headers[2], { name: 'Subject', value: 'first of two' });
    assert.equal(detail.mime.type, 'multipart/mixed');
    assert.deepEqual(
      detail.mime.children.map((c) => [c.part, c.type, c.filename]),
      [
        ['1', 'text/plain', undefined],
        ['2', 'application/octet-stream', 'x.bin'],
      ],
    );
    const text = await fetch(`${api}/messages/${id}/parts/1`);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await text.text(), 'test body — grüße\r\n.a line that starts with a dot');
    const binary = await fetch(`${api}/messages/${id}/parts/2`);
    assert.deepEqual([...new Uint8Array(await binary.arrayBuffer())], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.match(binary.headers.get('content-security-policy') ?? '', /sandbox/);
    const missing = await fetch(`${api}/messages/${id}/parts/3`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'no-such-part');
    assert.equal((await fetch(`${api}/messages/NOPE`)).status, 404);
  });

  it('lists sessions with user and TLS, and gives the transcript as text (AUTH decoded) and as JSONL', async () => {
    await sendMail({
      port: sandbox.ports.smtp!,
      raw: sampleMessage('with auth'),
      tls: 'starttls',
      auth: { user: 'alice', pass: 'wonderland', method: 'PLAIN' },
    });
    const { sessions } = await getJson<{
      sessions: {
        sid: string;
        user: string;
        tls: { how: string } | null;
        state: string;
        counts: { messages: number };
      }[];
    }>(`${api}/sessions`);
    const session = await waitFor(() => sessions.find((s) => s.user === 'alice'), 'the session of alice');
    assert.equal(session.tls?.how, 'starttls');
    assert.equal(session.counts.messages, 1);
    const text = await (await fetch(`${api}/sessions/${encodeURIComponent(session.sid)}/transcript`)).text();
    assert.match(text, /C: AUTH PLAIN \S+ {4}\[decoded: .*user="alice" password="wonderland"\]/);
    assert.match(text, /-- AUTH PLAIN user "alice": accepted/);
    const jsonl = await fetch(`${api}/sessions/${encodeURIComponent(session.sid)}/transcript?format=jsonl`);
    assert.match(jsonl.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const events = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; username?: string });
    assert.equal(events[0]!.type, 'session-open');
    assert.ok(events.some((e) => e.type === 'auth' && e.username === 'alice'));
    assert.equal((await fetch(`${api}/sessions/nope%231/transcript`)).status, 404);
  });

  it('lists the findings of a session (src/report/): AUTH in plain text', async () => {
    await sendMail({
      port: sandbox.ports.smtp!,
      raw: sampleMessage('plain auth'),
      auth: { user: 'bob', pass: 'builder', method: 'PLAIN' },
    });
    const deadline = Date.now() + 3_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      const { sessions } = await getJson<{ sessions: { user: string; findings: { id: string }[] }[] }>(
        `${api}/sessions`,
      );
      ids = sessions.find((s) => s.user === 'bob')?.findings.map((f) => f.id) ?? [];
      if (ids.includes('plaintext-auth')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ids.includes('plaintext-auth'), ids.join(', '));
  });

  it('streams a session-open event within a second of an SMTP connect', async () => {
    let connectedAt = 0;
    const socket = { current: null as ReturnType<typeof connect> | null };
    try {
      const { event } = await readEvents(
        `${api}/events?proto=smtp`,
        (e) => e.type === 'session-open',
        5_000,
        () => {
          connectedAt = Date.now();
          socket.current = connect(sandbox.ports.smtp!, '127.0.0.1');
          socket.current.on('error', () => {});
        },
      );
      const elapsed = Date.now() - connectedAt;
      assert.ok(elapsed < 1_000, `event after ${elapsed} ms`);
      assert.equal(event.listener, 'smtp');
    } finally {
      socket.current?.destroy();
    }
  });

  it("PUT /scenario switches to greylisting: swaks gets 451; a bad document is 400 with the validator's words", async () => {
    const put = (body: string, type = 'application/json') =>
      fetch(`${api}/scenario`, { method: 'PUT', headers: { 'Content-Type': type }, body });
    const ok = await put(JSON.stringify({ name: 'greylisting' }));
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(((await ok.json()) as { current: { name: string } }).current.name, 'greylisting');
    const swaks = await greylistedSend();
    assert.match(swaks.stdout + swaks.stderr, /451 4\.7\.1 Greylisted/);
    assert.equal(
      ((await getJson(`${api}/scenario`)) as { current: { name: string } }).current.name,
      'greylisting',
    );

    const bad = await put(
      '{"smtp": {"rules": [{"name": "x", "when": {"command": "RCTP"}, "reply": {"code": 452}}]}}',
    );
    assert.equal(bad.status, 400);
    const problem = (await bad.json()) as { error: string; problems: string[] };
    assert.equal(problem.error, 'invalid-scenario');
    assert.match(problem.problems.join('\n'), /^PUT \/scenario:1:\d+: smtp\.rules\[0\]\.when\.command/m);
    const path = await put(JSON.stringify({ name: '../scenarios/greylisting' }));
    assert.equal(path.status, 400);
    assert.match(((await path.json()) as { message: string }).message, /not a shipped scenario/);
    assert.equal((await put('{"name": "greylisting"', 'application/json')).status, 400);
    assert.equal((await put('{"name": "greylisting"}', 'text/plain')).status, 415);
    const big = await put(JSON.stringify({ description: 'x'.repeat(1_100_000) }));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: string }).error, 'body-too-large');
  });

  it('DELETE removes one message, POST /reset removes all, clears sessions and restarts the counters', async () => {
    const before = await getJson<Listed>(`${api}/messages`);
    assert.ok(before.total >= 3);
    const id = before.messages[0]!.id;
    const del = await fetch(`${api}/messages/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await fetch(`${api}/messages/${id}`)).status, 404);
    assert.equal((await getJson<Listed>(`${api}/messages`)).total, before.total - 1);

    const reset = await getJson<{ deleted: number }>(`${api}/reset`, { method: 'POST' });
    assert.equal(reset.deleted, before.total - 1);
    assert.equal((await getJson<Listed>(`${api}/messages`)).total, 0);
    assert.deepEqual((await getJson<{ sessions: unknown[] }>(`${api}/sessions`)).sessions, []);
    // Greylisting counts triples: after the reset the same triple is a first attempt again.
    const swaks = await greylistedSend();
    assert.match(swaks.stdout + swaks.stderr, /451 4\.7\.1 Greylisted/);

    await sendMail({ port: sandbox.ports.smtp!, raw: sampleMessage('a'), to: ['grey2@example.test'] }).catch(
      () => {},
    );
    const all = await fetch(`${api}/messages`, { method: 'DELETE' });
    assert.equal(all.status, 200);
    assert.equal((await getJson<Listed>(`${api}/messages`)).total, 0);
  });

  it('answers errors as JSON: 404, 405 with Allow, 400 for a bad query', async () => {
    const notFound = await fetch(`${api}/nothing`);
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as { error: string }).error, 'not-found');
    const wrongMethod = await fetch(`${api}/sessions`, { method: 'POST' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${api}/messages?limit=lots`)).status, 400);
    assert.equal((await fetch(`${api}/sessions/x/transcript?format=xml`)).status, 400);
  });

  it('refuses a foreign Host (DNS rebinding) and another origin, and sends no CORS header', async () => {
    const port = sandbox.ports.http!;
    const foreign = await rawRequest(port, '/api/v1/messages', { Host: 'rebind.attacker.example' });
    assert.equal(foreign.status, 421);
    assert.equal((JSON.parse(foreign.body) as { error: string }).error, 'foreign-host');
    assert.equal((await rawRequest(port, '/', { Host: 'attacker.example:80' })).status, 421);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'mailsandbox.localhost'])
      assert.equal((await rawRequest(port, '/api/v1/sessions', { Host: host })).status, 200, host);
    const cross = await rawRequest(
      port,
      '/api/v1/reset',
      { Host: `127.0.0.1:${port}`, Origin: 'http://attacker.example' },
      'POST',
    );
    assert.equal(cross.status, 403);
    const res = await fetch(`${api}/sessions`, { headers: { Origin: 'http://attacker.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

describe('HTTP API token', () => {
  it('with --http-token every API request needs the bearer token; the page itself loads', async () => {
    const sandbox = await startTestSandbox({ listeners: ['http'], httpToken: 'correct-horse' });
    try {
      const api = apiBase(sandbox);
      const without = await fetch(`${api}/messages`);
      assert.equal(without.status, 401);
      assert.equal(without.headers.get('www-authenticate'), 'Bearer realm="mailsandbox"');
      assert.equal(
        (await fetch(`${api}/messages`, { headers: { Authorization: 'Bearer wrong-horse' } })).status,
        401,
      );
      assert.equal(
        (await fetch(`${api}/messages`, { headers: { Authorization: 'Bearer correct-horse' } })).status,
        200,
      );
      assert.equal((await fetch(`${api}/messages?token=correct-horse`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${sandbox.ports.http}/`)).status, 200);
    } finally {
      await sandbox.close();
    }
  });

  it('a host beyond loopback without a token does not start the API and says why', async () => {
    const sandbox = await startTestSandbox({ listeners: ['http'], host: '0.0.0.0' });
    try {
      const http = sandbox.listeners.find((l) => l.name === 'http')!;
      assert.equal(http.port, null);
      assert.match(http.error ?? '', /--http-token/);
    } finally {
      await sandbox.close();
    }
  });
});
