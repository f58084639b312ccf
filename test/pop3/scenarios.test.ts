import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Sandbox } from '../../src/index.js';
import { loadScenario, parseScenario } from '../../src/scenario/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';

const sandboxes: Sandbox[] = [];
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const sb of sandboxes) await sb.close();
});

/** The shipped scenarios that script POP3, played against raw POP3 sessions and curl. */
describe('POP3 under the shipped scenarios', () => {
  async function sandboxWith(name: string): Promise<Sandbox> {
    const sb = await startTestSandbox({ scenario: await loadScenario(name), listeners: ['pop3', 'pop3s'] });
    sandboxes.push(sb);
    return sb;
  }

  async function connect(sb: Sandbox): Promise<RawClient> {
    const client = await RawClient.connect(sb.ports.pop3!);
    clients.push(client);
    return client;
  }

  async function exchange(client: RawClient, line: string): Promise<string> {
    client.send(line);
    return client.readLine();
  }

  function actions(sb: Sandbox): string[] {
    return sb.transcript
      .history()
      .flatMap((e) => (e.type === 'scenario-action' ? [`${e.rule}: ${e.action}`] : []));
  }

  it('greeting-421: the greeting is -ERR [SYS/TEMP] and the server closes', async () => {
    const sb = await sandboxWith('greeting-421');
    const client = await connect(sb);
    assert.equal(await client.readLine(), '-ERR [SYS/TEMP] Service not available');
    await client.waitClosed();
    assert.deepEqual(actions(sb), [
      'greet-with-err: greeting: -ERR [SYS/TEMP] Service not available and close',
    ]);
  });

  it('pop3-in-use: PASS and AUTH both get -ERR [IN-USE]', async () => {
    const sb = await sandboxWith('pop3-in-use');
    const client = await connect(sb);
    await client.readLine();
    assert.equal(await exchange(client, 'USER test'), '+OK please send the PASS');
    assert.equal(
      await exchange(client, 'PASS pw'),
      '-ERR [IN-USE] Maildrop already locked by another session',
    );
    const plain = Buffer.from('\0test\0pw').toString('base64');
    assert.equal(
      await exchange(client, `AUTH PLAIN ${plain}`),
      '-ERR [IN-USE] Maildrop already locked by another session',
    );
    assert.equal(await exchange(client, 'STAT'), '-ERR STAT is not valid in the AUTHORIZATION state');
  });

  it('auth-always-fails: every login gets -ERR [AUTH]', async () => {
    const sb = await sandboxWith('auth-always-fails');
    const client = await connect(sb);
    await client.readLine();
    await exchange(client, 'USER test');
    assert.equal(await exchange(client, 'PASS testpass'), '-ERR [AUTH] Authentication failed');
    const auth = sb.transcript.history().find((e) => e.type === 'auth');
    assert.ok(auth && auth.type === 'auth' && !auth.ok);
  });

  it('pop3-cut-mid-retr: RETR stops after 200 bytes without the final dot; nothing is deleted', async () => {
    const sb = await sandboxWith('pop3-cut-mid-retr');
    const raw = 'Subject: long\r\n\r\n' + 'y'.repeat(78).concat('\r\n').repeat(20);
    const stored = await sb.store.append(sb.store.maildropFor('test'), 'INBOX', Buffer.from(raw));
    const client = await connect(sb);
    await client.readLine();
    await exchange(client, 'USER test');
    await exchange(client, 'PASS pw');
    assert.equal(await exchange(client, 'DELE 1'), '+OK message 1 marked deleted');
    assert.equal(await exchange(client, 'RSET'), `+OK maildrop has 1 messages (${raw.length} octets)`);
    client.send('RETR 1');
    const status = `+OK ${raw.length} octets\r\n`;
    const got = await client.readBytes(200);
    assert.equal(got.toString(), (status + raw).slice(0, 200));
    await client.waitClosed();
    const inbox = await sb.store.folder(sb.store.maildropFor('test'), 'INBOX');
    assert.deepEqual(
      inbox!.messages.map((m) => m.id),
      [stored.id],
    );
    assert.deepEqual(actions(sb), ['cut-in-retr: command RETR: cut the connection after 200 bytes']);
    // The transcript says what went out: 184 bytes of the body after the status line, no final dot.
    const retr = sb.transcript.history().flatMap((e) => (e.type === 'server-line' ? [e.line] : []));
    assert.deepEqual(retr.slice(-2), [
      `+OK ${raw.length} octets`,
      `<message body: ${200 - status.length} of ${raw.length} bytes sent>`,
    ]);
    const close = sb.transcript.history().find((e) => e.type === 'session-close');
    assert.ok(close?.type === 'session-close');
    assert.equal(close.reason, 'scenario rule cut-in-retr: connection cut after 200 bytes, mid-reply');
  });

  it('starttls-refused and no-starttls: STLS gets -ERR; hidden STLS is not in CAPA', async () => {
    const refused = await sandboxWith('starttls-refused');
    let client = await connect(refused);
    await client.readLine();
    client.send('CAPA');
    assert.ok((await client.readUntil(/^\.$/)).includes('STLS'), 'refused STLS is still advertised');
    assert.equal(await exchange(client, 'STLS'), '-ERR [SYS/TEMP] TLS not available due to temporary reason');

    const hidden = await sandboxWith('no-starttls');
    client = await connect(hidden);
    await client.readLine();
    client.send('CAPA');
    assert.ok(!(await client.readUntil(/^\.$/)).includes('STLS'), 'hidden STLS is not advertised');
    assert.equal(await exchange(client, 'STLS'), '-ERR STLS is not offered on this port');
  });

  it('starttls-handshake-abort: STLS is accepted, then the handshake is cut', async () => {
    const sb = await sandboxWith('starttls-handshake-abort');
    const client = await connect(sb);
    await client.readLine();
    assert.equal(await exchange(client, 'STLS'), '+OK Begin TLS negotiation');
    await assert.rejects(client.startTls(readFileSync(certPath(), 'utf8')));
    assert.ok(
      sb.transcript.history().some((e) => e.type === 'session-close' && /handshake aborted/.test(e.reason)),
    );
  });

  it('auth-only-after-tls: no USER or SASL before STLS, both after it', async () => {
    const sb = await sandboxWith('auth-only-after-tls');
    const client = await connect(sb);
    await client.readLine();
    client.send('CAPA');
    const before = await client.readUntil(/^\.$/);
    assert.ok(!before.includes('USER') && !before.some((l) => l.startsWith('SASL')), before.join(' | '));
    assert.equal(await exchange(client, 'USER test'), '-ERR [AUTH] TLS is required first: send STLS');
    assert.equal(await exchange(client, 'AUTH PLAIN'), '-ERR [AUTH] TLS is required first: send STLS');
    assert.equal(await exchange(client, 'STLS'), '+OK Begin TLS negotiation');
    await client.startTls(readFileSync(certPath(), 'utf8'));
    client.send('CAPA');
    const afterTls = await client.readUntil(/^\.$/);
    assert.ok(afterTls.includes('USER'));
    assert.ok(afterTls.includes('SASL PLAIN LOGIN CRAM-MD5 XOAUTH2'));
    assert.equal(await exchange(client, 'USER test'), '+OK please send the PASS');
    assert.match(await exchange(client, 'PASS pw'), /^\+OK 0 messages/);
    assert.equal(await exchange(client, 'QUIT'), '+OK mailsandbox signing off (0 messages deleted)');
  });

  it('scram-only: USER/PASS and APOP are refused as Dovecot refuses them; no APOP timestamp, no USER in CAPA', async () => {
    const sb = await sandboxWith('scram-only');
    const client = await connect(sb);
    assert.equal(await client.readLine(), '+OK mailsandbox ready');
    client.send('CAPA');
    const capa = await client.readUntil(/^\.$/);
    assert.ok(!capa.includes('USER') && capa.includes('SASL SCRAM-SHA-256 SCRAM-SHA-1'), capa.join(' '));
    assert.equal(await exchange(client, 'USER alice'), '+OK please send the PASS');
    assert.equal(
      await exchange(client, 'PASS wonderland'),
      '-ERR [AUTH] Unsupported authentication mechanism.',
    );
    assert.equal(await exchange(client, `APOP alice ${'0'.repeat(32)}`), '-ERR APOP not enabled.');
    const notes = sb.transcript.history().flatMap((e) => (e.type === 'note' ? [e.text] : []));
    assert.deepEqual(notes, [
      'scenario scram-only: USER/PASS refused: USER/PASS is SASL PLAIN, which is not accepted (SCRAM-SHA-256, SCRAM-SHA-1)',
      'scenario scram-only: APOP refused: APOP is not enabled when the scenario names its mechanisms',
    ]);
    const plainOnly = await sandboxWith('plain-only');
    const other = await connect(plainOnly);
    assert.match(await other.readLine(), /^\+OK mailsandbox ready$/);
    assert.equal(await exchange(other, 'USER alice'), '+OK please send the PASS');
    assert.match(await exchange(other, 'PASS wonderland'), /^\+OK /);
  });

  it('cram-md5-only: curl logs in with CRAM-MD5 (digest checked); PLAIN is refused', async () => {
    const sb = await sandboxWith('cram-md5-only');
    const url = `pop3s://127.0.0.1:${sb.ports.pop3s}/`;
    const curl = (login: string) =>
      run('curl', ['-sS', '--max-time', '10', '--cacert', certPath(), '-u', login, url]);
    const ok = await curl('alice:wonderland');
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await curl('alice:nope');
    assert.notEqual(bad.code, 0);
    const auths = sb.transcript
      .history()
      .flatMap((e) => (e.type === 'auth' ? [`${e.mechanism} ${e.ok}`] : []));
    assert.deepEqual(auths, ['CRAM-MD5 true', 'CRAM-MD5 false']);
    const client = await connect(sb);
    await client.readLine();
    client.send('CAPA');
    assert.ok((await client.readUntil(/^\.$/)).includes('SASL CRAM-MD5'));
    assert.equal(await exchange(client, 'AUTH PLAIN'), '-ERR unsupported mechanism PLAIN');
  });
});

describe('POP3 under a scenario of its own', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  it('throttle at retr, slice at LIST, delay at NOOP and the scenario greeting and host name', async () => {
    const yaml = [
      'description: POP3 test scenario',
      'pop3:',
      '  greeting: Dovecot ready.',
      '  hostname: pop.example.test',
      '  rules:',
      '    - name: slow-retr',
      '      when: { point: retr }',
      '      throttle: { bytesPerSecond: 20000 }',
      '    - name: sliced-list',
      '      when: { command: LIST }',
      '      slice: { bytes: 50, delayMs: 1 }',
      '    - name: slow-noop',
      '      when: { command: NOOP }',
      '      delay: { ms: 300 }',
    ].join('\n');
    const scenario = await parseScenario(yaml, { label: 'inline', name: 'pop3-test' });
    sb = await startTestSandbox({ scenario, listeners: ['pop3'] });
    const raw = 'Subject: slow\r\n\r\n' + 'z'.repeat(98).concat('\r\n').repeat(100);
    await sb.store.append(sb.store.maildropFor('test'), 'INBOX', Buffer.from(raw));
    const client = await RawClient.connect(sb.ports.pop3!);
    clients.push(client);
    assert.match(await client.readLine(), /^\+OK Dovecot ready\. <[0-9.]+@pop\.example\.test>$/);
    client.send('USER test');
    await client.readLine();
    client.send('PASS pw');
    await client.readLine();
    let t = Date.now();
    client.send('NOOP');
    assert.equal(await client.readLine(), '+OK');
    assert.ok(Date.now() - t >= 280, `NOOP answered after ${Date.now() - t} ms`);
    client.send('LIST');
    assert.deepEqual(await client.readUntil(/^\.$/), ['+OK 1 messages (10017 octets)', '1 10017', '.']);
    t = Date.now();
    client.send('RETR 1');
    assert.equal(await client.readLine(), '+OK 10017 octets');
    assert.equal((await client.readBytes(raw.length + 3)).toString(), raw + '.\r\n');
    // 10 KB at 20 KB/s (the slice from LIST stays too, faults last for the session): about half a
    // second, where an unshaped loopback takes a millisecond.
    assert.ok(Date.now() - t >= 350, `RETR took ${Date.now() - t} ms`);
    const rules = sb.transcript.history().flatMap((e) => (e.type === 'scenario-action' ? [e.rule] : []));
    assert.deepEqual(rules, ['slow-noop', 'sliced-list', 'slow-retr']);
  });
});

describe('POP3 cut replies in the transcript', () => {
  async function cutAt(command: string, afterBytes: number, transcriptBodies = false) {
    const yaml = [
      'description: cut',
      'pop3:',
      '  rules:',
      '    - name: cut-it',
      `      when: { command: ${command} }`,
      `      cut: { afterBytes: ${afterBytes} }`,
    ].join('\n');
    const scenario = await parseScenario(yaml, { label: 'inline', name: 'cut' });
    const sb = await startTestSandbox({ scenario, listeners: ['pop3'], transcriptBodies });
    sandboxes.push(sb);
    const client = await RawClient.connect(sb.ports.pop3!);
    clients.push(client);
    await client.readLine();
    return { sb, client };
  }

  const serverLines = (sb: Sandbox) =>
    sb.transcript.history().flatMap((e) => (e.type === 'server-line' ? [e.line] : []));

  it('with --transcript-bodies: the whole lines that went out, then the part of the one cut', async () => {
    const raw = 'Subject: x\r\n\r\nabcdefgh\r\n';
    const status = `+OK ${raw.length} octets\r\n`;
    const { sb, client } = await cutAt('RETR', status.length + 'Subject: x\r\n\r\nab'.length, true);
    await sb.store.append(sb.store.maildropFor('test'), 'INBOX', Buffer.from(raw));
    client.send('USER test');
    await client.readLine();
    client.send('PASS pw');
    await client.readLine();
    client.send('RETR 1');
    assert.equal((await client.readBytes(status.length + 16)).toString(), status + 'Subject: x\r\n\r\nab');
    await client.waitClosed();
    assert.deepEqual(serverLines(sb).slice(-4), [`+OK ${raw.length} octets`, 'Subject: x', '', 'ab']);
  });

  it('a multi-line reply (CAPA) cut mid-line: no line after the cut, no final dot', async () => {
    const { sb, client } = await cutAt('CAPA', 20);
    client.send('CAPA');
    const got = (await client.readBytes(20)).toString();
    await client.waitClosed();
    const lines = got.split('\r\n');
    assert.deepEqual(serverLines(sb).slice(1), lines);
    assert.ok(!serverLines(sb).includes('.'));
  });
});
