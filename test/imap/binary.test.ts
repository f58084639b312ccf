import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/run.js';
import { imapSandbox } from '../helpers/imap.js';
import { PYTHON } from '../scenarios/support.js';

/** BINARY (RFC 3516): decoded parts, literal8 both ways, [UNKNOWN-CTE], and the capability switch. */

const PAYLOAD = Buffer.from([0x00, 0x01, 0xff, 0x41, 0x00, 0x0d, 0x0a, 0x42]);
const MESSAGE = Buffer.from(
  [
    'Subject: binary parts',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: base64',
    '',
    PAYLOAD.toString('base64'),
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'caf=C3=A9 =',
    'soft break',
    '--b',
    'Content-Type: application/x-thing',
    'Content-Transfer-Encoding: x-uuencode',
    '',
    'begin 644 x',
    '--b--',
    '',
  ].join('\r\n'),
);

const sandboxes: Sandbox[] = [];
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(sandboxes.map((s) => s.close()));
});

function sandbox(scenario?: string): Promise<Sandbox> {
  return imapSandbox(sandboxes, { scenario, users: { test: 'testpass' }, messages: [MESSAGE] });
}

async function selected(sb: Sandbox): Promise<RawClient> {
  const c = await RawClient.connect(sb.ports.imap!);
  clients.push(c);
  await c.readLine();
  await command(c, 'l', 'LOGIN test testpass');
  await command(c, 's', 'SELECT INBOX');
  return c;
}

async function command(c: RawClient, tag: string, line: string): Promise<string[]> {
  c.send(`${tag} ${line}`);
  return c.readUntil(new RegExp(`^${tag} `));
}

describe('IMAP BINARY (RFC 3516)', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await sandbox();
  });

  it('BINARY.SIZE and BINARY.PEEK[1] give the decoded base64 part as a literal8', async () => {
    const c = await selected(sb);
    c.send('a FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])');
    const head = await c.readLine();
    assert.equal(head, `* 1 FETCH (BINARY.SIZE[1] ${PAYLOAD.length} BINARY[1] ~{${PAYLOAD.length}}`);
    assert.deepEqual(await c.readBytes(PAYLOAD.length), PAYLOAD);
    assert.equal(await c.readLine(), ')');
    assert.equal(await c.readLine(), 'a OK FETCH completed');
    // PEEK: no \Seen.
    assert.deepEqual(await command(c, 'f', 'FETCH 1 (FLAGS)'), [
      '* 1 FETCH (FLAGS (\\Recent))',
      'f OK FETCH completed',
    ]);
  });

  it('BINARY[2]<0.4> decodes quoted-printable and cuts; BINARY sets \\Seen; unknown CTE is NO [UNKNOWN-CTE]', async () => {
    const c = await selected(sb);
    c.send('b FETCH 1 BINARY[2]<0.4>');
    assert.equal(await c.readLine(), '* 1 FETCH (BINARY[2]<0> {4}');
    assert.deepEqual(await c.readBytes(4), Buffer.from('café soft break').subarray(0, 4));
    assert.match((await c.readUntil(/^b /)).join('\n'), /^ FLAGS \(\\Seen\)\)\nb OK/);
    const whole = await command(c, 'c', 'FETCH 1 BINARY.SIZE[2]');
    assert.equal(whole[0], `* 1 FETCH (BINARY.SIZE[2] ${Buffer.from('café soft break').length})`);
    assert.match((await command(c, 'd', 'FETCH 1 BINARY[3]')).at(-1)!, /^d NO \[UNKNOWN-CTE\] /);
    assert.match((await command(c, 'e', 'FETCH 1 BINARY[1.HEADER]')).at(-1)!, /^e BAD /);
  });

  it('APPEND with a literal8 (~{n}) stores the bytes as sent, NULs included', async () => {
    const c = await selected(sb);
    const body = Buffer.concat([Buffer.from('Subject: nul\r\n\r\n'), PAYLOAD, Buffer.from('\r\n')]);
    c.write(Buffer.concat([Buffer.from(`p APPEND INBOX ~{${body.length}}\r\n`)]));
    assert.match(await c.readLine(), /^\+ /);
    c.write(Buffer.concat([body, Buffer.from('\r\n')]));
    assert.match((await c.readUntil(/^p /)).at(-1)!, /^p OK \[APPENDUID \d+ 2\]/);
    const stored = (await sb.store.folder(sb.store.maildropFor('test'), 'INBOX'))!.messages.at(-1)!;
    assert.deepEqual(stored.raw, body);
  });

  it('python imaplib reads BINARY.SIZE and the decoded text part', async () => {
    const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('test', 'testpass'); m.select('INBOX')
typ, data = m.fetch('1', '(BINARY.SIZE[2] BINARY.PEEK[2])')
print(json.dumps({'caps': 'BINARY' in m.capabilities, 'head': data[0][0].decode(), 'body': data[0][1].decode('utf-8')}))
m.logout()
`;
    const r = await run(PYTHON, ['-c', script, String(sb.ports.imap)], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { caps: boolean; head: string; body: string };
    assert.equal(out.caps, true);
    assert.match(out.head, /BINARY\.SIZE\[2\] 16 BINARY\[2\] \{16\}$/);
    assert.equal(out.body, 'café soft break');
  });

  it('without BINARY in CAPABILITY, BINARY[] and ~{n} are BAD', async () => {
    const plain = await sandbox('description: x\nimap:\n  capabilities: { remove: [BINARY] }\n');
    const c = await selected(plain);
    assert.match((await command(c, 'a', 'FETCH 1 BINARY[1]')).at(-1)!, /^a BAD unknown argument/);
    c.write('p APPEND INBOX ~{5+}\r\nabcde\r\n');
    assert.match((await c.readUntil(/^p /)).at(-1)!, /^p BAD unknown argument/);
  });
});
