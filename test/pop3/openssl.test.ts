import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';

/**
 * The article's POP3 session, typed into `openssl s_client` as an admin would: STLS on the pop3 port
 * (`-starttls pop3`) and implicit TLS on pop3s, the certificate verified against the sandbox's.
 */
const ARTICLE_SESSION = [
  'USER test@mail.server.net',
  'PASS testpass',
  'NOOP',
  'TOP 3',
  'RETR 3',
  'DELE 3',
  'QUIT',
].join('\n');

const HEADER =
  'From: root@localhost.localdomain\r\nTo: user@mail.server.net\r\nSubject: test mail from test subject\r\n';
const MESSAGE = HEADER + '\r\ntest body\r\n';

describe("POP3: the article's session through openssl s_client", () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startTestSandbox({ listeners: ['pop3', 'pop3s'] });
  });
  after(() => sb.close());

  const cases = [
    { name: 'STLS (-starttls pop3)', port: () => sb.ports.pop3!, extra: ['-starttls', 'pop3'] },
    { name: 'implicit TLS (pop3s)', port: () => sb.ports.pop3s!, extra: [] },
  ];
  for (const { name, port, extra } of cases) {
    it(name, async () => {
      const drop = sb.store.maildropFor('test@mail.server.net');
      const before = (await sb.store.folder(drop, 'INBOX'))!.messages.length;
      for (const n of [1, 2])
        await sb.store.append(drop, 'INBOX', Buffer.from(`Subject: filler ${n}\r\n\r\nx\r\n`));
      const target = await sb.store.append(drop, 'INBOX', Buffer.from(MESSAGE));
      assert.equal(before, 0, 'each case starts from an empty maildrop');

      const result = await run(
        'openssl',
        [
          's_client',
          ...extra,
          '-crlf',
          '-quiet',
          '-ign_eof',
          '-connect',
          `127.0.0.1:${port()}`,
          '-CAfile',
          certPath(),
          '-verify_ip',
          '127.0.0.1',
          '-verify_return_error',
        ],
        { input: ARTICLE_SESSION + '\n', timeoutMs: 15_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.split('\r\n');
      // With -starttls, s_client reads the greeting itself before STLS; on pop3s it prints it.
      if (extra.length === 0)
        assert.match(lines.shift()!, /^\+OK mailsandbox ready <[A-Za-z0-9.]+@[A-Za-z0-9.]+>$/);
      const size = Buffer.byteLength(MESSAGE);
      assert.deepEqual(lines, [
        '+OK please send the PASS',
        `+OK 3 messages (${size + 2 * 24} octets)`,
        '+OK',
        '+OK top of message follows',
        ...HEADER.split('\r\n').slice(0, -1),
        '',
        '.',
        `+OK ${size} octets`,
        ...MESSAGE.split('\r\n').slice(0, -1),
        '.',
        '+OK message 3 marked deleted',
        '+OK mailsandbox signing off (1 messages deleted)',
        '',
      ]);
      const left = (await sb.store.folder(drop, 'INBOX'))!.messages;
      assert.ok(!left.some((m) => m.id === target.id), 'DELE 3 + QUIT removed the message from the store');
      assert.equal(left.length, 2);
      await sb.store.expunge(
        drop,
        'INBOX',
        left.map((m) => m.uid),
      );

      const sid = sb.transcript
        .history()
        .filter((e) => e.type === 'auth')
        .at(-1)!.sid;
      const notes = sb.transcript.history(sid).filter((e) => e.type === 'note');
      assert.ok(
        notes.some((e) => e.type === 'note' && /TOP without a line count/.test(e.text)),
        'the lenient TOP is explained in the transcript',
      );
    });
  }
});
