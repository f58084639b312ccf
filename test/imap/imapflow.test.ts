import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Sandbox } from '../../src/index.js';
import { imapFlow } from '../helpers/imap.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** imapflow (a client we did not write) against the sandbox, verifying the certificate. */
describe('IMAP with imapflow', () => {
  let sb: Sandbox;
  const clients: ImapFlow[] = [];
  const raw = sampleMessage('multipart for imapflow');

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'imaps'], users: { test: 'testpass' } });
    assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
    await sb.close();
  });

  async function connect(
    over: 'starttls' | 'implicit' = 'implicit',
    auth: ImapFlowOptions['auth'] = { user: 'test', pass: 'testpass' },
  ): Promise<ImapFlow> {
    const client = imapFlow(over === 'implicit' ? sb.ports.imaps! : sb.ports.imap!, over, auth);
    clients.push(client);
    await client.connect();
    return client;
  }

  const lastAuth = () =>
    sb.transcript
      .history()
      .filter((e) => e.type === 'auth')
      .at(-1);

  const methods: { label: string; mechanism: string; auth: ImapFlowOptions['auth'] }[] = [
    {
      label: 'AUTHENTICATE PLAIN',
      mechanism: 'PLAIN',
      auth: { user: 'test', pass: 'testpass', loginMethod: 'AUTH=PLAIN' },
    },
    {
      label: 'AUTHENTICATE LOGIN',
      mechanism: 'LOGIN',
      auth: { user: 'test', pass: 'testpass', loginMethod: 'AUTH=LOGIN' },
    },
    {
      label: 'the LOGIN command',
      mechanism: 'IMAP LOGIN',
      auth: { user: 'test', pass: 'testpass', loginMethod: 'LOGIN' },
    },
    { label: 'AUTHENTICATE XOAUTH2', mechanism: 'XOAUTH2', auth: { user: 'test', accessToken: 'testpass' } },
  ];
  for (const over of ['starttls', 'implicit'] as const) {
    for (const { label, mechanism, auth } of methods) {
      it(`logs in with ${label} over ${over === 'starttls' ? 'STARTTLS on 143' : 'implicit TLS on 993'}`, async () => {
        const client = await connect(over, auth);
        assert.ok(client.authenticated && client.usable);
        assert.equal(client.secureConnection, true);
        const event = lastAuth();
        assert.ok(event?.type === 'auth');
        assert.equal(event.mechanism, mechanism);
        assert.equal(event.username, 'test');
        assert.equal(event.ok, true);
        await client.logout();
      });
    }
  }

  it('refuses a wrong password (--user) with AUTHENTICATIONFAILED', async () => {
    await assert.rejects(connect('implicit', { user: 'test', pass: 'wrong' }));
    const event = lastAuth();
    assert.ok(event?.type === 'auth');
    assert.equal(event.ok, false);
  });

  it('lists the default folders with their special-use attributes and children flags', async () => {
    const client = await connect();
    const folders = await client.list();
    const byPath = new Map(folders.map((f) => [f.path, f]));
    assert.deepEqual([...byPath.keys()].sort(), ['Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    assert.equal(byPath.get('Sent')!.specialUse, '\\Sent');
    assert.equal(byPath.get('Drafts')!.specialUse, '\\Drafts');
    assert.equal(byPath.get('Trash')!.specialUse, '\\Trash');
    assert.equal(byPath.get('Junk')!.specialUse, '\\Junk');
    assert.equal(byPath.get('INBOX')!.specialUse, '\\Inbox');
    assert.ok(byPath.get('Sent')!.flags.has('\\HasNoChildren'));
    assert.equal(byPath.get('Sent')!.delimiter, '/');
  });

  it('fetches envelope, bodystructure and the exact source of a multipart message sent over SMTP', async () => {
    const client = await connect();
    await client.mailboxOpen('INBOX');
    const message = await client.fetchOne('1', {
      uid: true,
      envelope: true,
      bodyStructure: true,
      source: true,
      size: true,
    });
    assert.ok(message);
    assert.ok(Buffer.isBuffer(message.source));
    assert.equal(
      message.source.toString('hex'),
      raw.toString('hex'),
      'the source is byte for byte what SMTP received',
    );
    assert.equal(message.size, raw.length);
    assert.equal(message.envelope!.subject, 'multipart for imapflow');
    assert.deepEqual(message.envelope!.from, [{ name: 'Root', address: 'root@localhost.localdomain' }]);
    assert.equal(message.envelope!.messageId, '<sample-1@mailsandbox.test>');
    const structure = message.bodyStructure!;
    assert.equal(structure.type, 'multipart/mixed');
    assert.deepEqual(
      structure.childNodes!.map((n) => [n.part, n.type, n.encoding, n.disposition ?? null]),
      [
        ['1', 'text/plain', '8bit', null],
        ['2', 'application/octet-stream', 'base64', 'attachment'],
      ],
    );
    const part = await client.download('1', '2');
    const chunks: Buffer[] = [];
    for await (const chunk of part.content!) chunks.push(chunk as Buffer);
    assert.deepEqual(
      Buffer.concat(chunks),
      Buffer.from('AAECAwQFBgcICQ==', 'base64'),
      'the attachment decodes',
    );
  });

  it('searches by header and by flag', async () => {
    const client = await connect();
    await client.mailboxOpen('INBOX');
    assert.deepEqual(await client.search({ header: { subject: 'imapflow' } }), [1]);
    assert.deepEqual(await client.search({ subject: 'no such subject' }), []);
    assert.deepEqual(await client.search({ from: 'root@localhost' }), [1]);
    await client.messageFlagsAdd('1', ['\\Flagged']);
    assert.deepEqual(await client.search({ flagged: true }), [1]);
    assert.deepEqual(await client.search({ flagged: false }), []);
    await client.messageFlagsRemove('1', ['\\Flagged']);
    assert.deepEqual(await client.search({ flagged: true }), []);
  });

  it('flags set by one connection are seen by another (untagged FETCH and a fresh FETCH)', async () => {
    const watcher = await connect('starttls');
    await watcher.mailboxOpen('INBOX');
    const seen = new Promise<Set<string>>((resolve) => watcher.on('flags', (event) => resolve(event.flags)));
    const writer = await connect();
    await writer.mailboxOpen('INBOX');
    await writer.messageFlagsAdd('1', ['\\Answered', '$Forwarded']);
    await watcher.noop();
    const flags = await withTimeout(seen, 2_000, 'untagged FETCH FLAGS on the other connection');
    assert.ok(flags.has('\\Answered') && flags.has('$Forwarded'));
    const fresh = await connect();
    await fresh.mailboxOpen('INBOX', { readOnly: true });
    const message = await fresh.fetchOne('1', { flags: true });
    assert.ok(message && message.flags!.has('\\Answered') && message.flags!.has('$Forwarded'));
    await writer.messageFlagsRemove('1', ['\\Answered', '$Forwarded']);
  });

  it('APPEND to Sent answers APPENDUID', async () => {
    const client = await connect();
    const sent = Buffer.from(
      'From: test@example.test\r\nTo: a@example.test\r\nSubject: appended\r\n\r\nhello\r\n',
    );
    const result = await client.append('Sent', sent, ['\\Seen']);
    assert.ok(result);
    const folder = await sb.store.folder(sb.store.maildropNames()[0]!, 'Sent');
    assert.equal(result.uidValidity, BigInt(folder!.uidValidity));
    assert.equal(result.uid, folder!.messages.at(-1)!.uid);
    assert.deepEqual(folder!.messages.at(-1)!.raw, sent);
    assert.ok(folder!.messages.at(-1)!.flags.has('\\Seen'));
  });

  it('MOVE to Trash answers COPYUID and the message leaves the source', async () => {
    assert.match(await sendMail({ port: sb.ports.smtp!, raw: sampleMessage('to be trashed') }), /^250 /);
    const client = await connect();
    await client.mailboxOpen('INBOX');
    const [seq] = (await client.search({ subject: 'to be trashed' })) || [];
    const found = await client.fetchOne(String(seq), { uid: true });
    assert.ok(found);
    const uid = found.uid;
    const result = await client.messageMove(String(uid), 'Trash', { uid: true });
    assert.ok(result);
    const trash = await sb.store.folder(sb.store.maildropNames()[0]!, 'Trash');
    assert.equal(result.uidValidity, BigInt(trash!.uidValidity));
    assert.deepEqual([...result.uidMap!.entries()], [[uid, trash!.messages.at(-1)!.uid]]);
    assert.deepEqual(await client.search({ subject: 'to be trashed' }), []);
  });

  it('IDLE receives EXISTS within a second of a message accepted over SMTP', async () => {
    const client = await connect();
    const box = await client.mailboxOpen('INBOX');
    const before = box.exists;
    const idling = client.idle();
    // Wait until the server said `+ idling` (the transcript shows it).
    await waitFor(
      () => sb.transcript.history().some((e) => e.type === 'server-line' && e.line === '+ idling'),
      2_000,
    );
    const exists = new Promise<number>((resolve) => client.on('exists', (event) => resolve(event.count)));
    await sendMail({ port: sb.ports.smtp!, raw: sampleMessage('while idling') });
    const accepted = Date.now();
    const count = await withTimeout(exists, 1_000, 'EXISTS during IDLE');
    assert.equal(count, before + 1);
    assert.ok(Date.now() - accepted < 1_000);
    await client.noop(); // ends IDLE with DONE
    await idling;
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
