import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { Sandbox } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** RFC 5034 AUTH and RFC 1939 APOP typed by hand with --user test:testpass, as the article does. */
describe('POP3 AUTH and APOP with checked passwords', () => {
  let sb: Sandbox;
  const clients: RawClient[] = [];
  before(async () => {
    sb = await startTestSandbox({ users: { test: 'testpass' }, listeners: ['pop3'], mailboxes: 'per-user' });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sb.close();
  });

  async function connect(): Promise<{ client: RawClient; timestamp: string }> {
    const client = await RawClient.connect(sb.ports.pop3!);
    clients.push(client);
    const greeting = await client.readLine();
    return { client, timestamp: /(<[^>]+>)$/.exec(greeting)![1]! };
  }
  async function exchange(client: RawClient, line: string): Promise<string> {
    client.send(line);
    return client.readLine();
  }
  const decodedLines = (sid: string) =>
    sb.transcript.history(sid).flatMap((e) => (e.type === 'client-line' && e.decoded ? [e.decoded] : []));
  const lastSid = () =>
    sb.transcript
      .history()
      .filter((e) => e.type === 'session-open')
      .at(-1)!.sid;

  it("the article's AUTH LOGIN and AUTH PLAIN, decoded in the transcript", async () => {
    const { client } = await connect();
    assert.equal(await exchange(client, 'AUTH LOGIN'), '+ VXNlcm5hbWU6');
    assert.equal(await exchange(client, 'dGVzdA=='), '+ UGFzc3dvcmQ6');
    assert.equal(await exchange(client, 'dGVzdHBhc3M='), '+OK 0 messages (0 octets)');
    assert.deepEqual(decodedLines(lastSid()), ['user="test"', 'password="testpass"']);
    assert.match(await exchange(client, 'QUIT'), /^\+OK/);

    const second = await connect();
    assert.equal(
      await exchange(second.client, 'AUTH PLAIN dGVzdAB0ZXN0AHRlc3RwYXNz'),
      '+OK 0 messages (0 octets)',
    );
    assert.deepEqual(decodedLines(lastSid()), ['authzid="test" user="test" password="testpass"']);
    second.client.send('QUIT');
    await second.client.readLine();
  });

  it('CRAM-MD5 answered from the challenge; a wrong digest gets -ERR [AUTH]', async () => {
    const { client } = await connect();
    const challenge = Buffer.from((await exchange(client, 'AUTH CRAM-MD5')).slice(2), 'base64').toString();
    assert.match(challenge, /^<\d+\.\d+@mailsandbox\.localhost>$/);
    const wrong = createHmac('md5', 'nope').update(challenge).digest('hex');
    assert.equal(await exchange(client, b64(`test ${wrong}`)), '-ERR [AUTH] invalid user name or password');
    const next = Buffer.from((await exchange(client, 'AUTH CRAM-MD5')).slice(2), 'base64').toString();
    const right = createHmac('md5', 'testpass').update(next).digest('hex');
    assert.equal(await exchange(client, b64(`test ${right}`)), '+OK 0 messages (0 octets)');
    client.send('QUIT');
    await client.readLine();
  });

  it('APOP: the digest of the greeting timestamp and the password', async () => {
    const { client, timestamp } = await connect();
    assert.match(timestamp, /^<[A-Za-z0-9.]+@[A-Za-z0-9.]+>$/);
    const digest = (secret: string) =>
      createHash('md5')
        .update(timestamp + secret)
        .digest('hex');
    assert.equal(
      await exchange(client, `APOP test ${digest('wrong')}`),
      '-ERR [AUTH] invalid user name or password',
    );
    assert.equal(await exchange(client, `APOP test ${digest('testpass')}`), '+OK 0 messages (0 octets)');
    client.send('QUIT');
    await client.readLine();
  });

  it('XOAUTH2 with a wrong token: error challenge, dummy line, then -ERR [AUTH]', async () => {
    const { client } = await connect();
    const payload = b64('user=test\x01auth=Bearer wrong\x01\x01');
    const challenge = await exchange(client, `AUTH XOAUTH2 ${payload}`);
    assert.match(challenge, /^\+ /);
    assert.equal(JSON.parse(Buffer.from(challenge.slice(2), 'base64').toString()).status, '401');
    assert.equal(await exchange(client, ''), '-ERR [AUTH] invalid user name or password');
    const good = b64('user=test\x01auth=Bearer testpass\x01\x01');
    assert.equal(await exchange(client, `AUTH XOAUTH2 ${good}`), '+OK 0 messages (0 octets)');
    client.send('QUIT');
    await client.readLine();
  });

  it('a line pipelined behind a SASL answer runs after the exchange dealt with the answer', async () => {
    const { client } = await connect();
    assert.equal(await exchange(client, 'AUTH LOGIN'), '+ VXNlcm5hbWU6');
    assert.equal(await exchange(client, 'dGVzdA=='), '+ UGFzc3dvcmQ6');
    // The last answer and STAT in one write: STAT must find the session logged in, not be the answer.
    client.write('dGVzdHBhc3M=\r\nSTAT\r\n');
    assert.equal(await client.readLine(), '+OK 0 messages (0 octets)');
    assert.equal(await client.readLine(), '+OK 0 0');
    // A wrong password pipelined with a command: the -ERR first, then the command in AUTHORIZATION.
    const second = await connect();
    assert.equal(await exchange(second.client, 'AUTH LOGIN'), '+ VXNlcm5hbWU6');
    assert.equal(await exchange(second.client, 'dGVzdA=='), '+ UGFzc3dvcmQ6');
    second.client.write(`${b64('wrong')}\r\nSTAT\r\n`);
    assert.equal(await second.client.readLine(), '-ERR [AUTH] invalid user name or password');
    assert.match(await second.client.readLine(), /^-ERR/);
    for (const c of [client, second.client]) c.send('QUIT');
  });
});
