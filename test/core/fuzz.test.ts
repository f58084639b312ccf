import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Sandbox } from '../../src/index.js';
import { mulberry32 } from '../../src/scenario/random.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';

/** Well-formed command streams of each protocol, the material the mutations start from. */
const CORPUS: Record<'smtp' | 'imap' | 'pop3', string[]> = {
  smtp: [
    'EHLO fuzz.test\r\nMAIL FROM:<a@example.test> SIZE=100\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n',
    'HELO x\r\nAUTH PLAIN dGVzdAB0ZXN0AHRlc3RwYXNz\r\nMAIL FROM:<>\r\nRCPT TO:<c@example.test>\r\nRSET\r\nNOOP\r\nVRFY x\r\n',
    'EHLO x\r\nAUTH LOGIN\r\ndGVzdA==\r\ndGVzdHBhc3M=\r\nAUTH CRAM-MD5\r\n*\r\nBDAT 5 LAST\r\nhello\r\nHELP\r\n',
  ],
  imap: [
    'a LOGIN test testpass\r\nb SELECT INBOX\r\nc FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[]<0.10>)\r\nd LOGOUT\r\n',
    'a LOGIN {4}\r\ntest {8}\r\ntestpass\r\nb APPEND INBOX (\\Seen) {11}\r\nSubject: x\r\nc SEARCH OR NOT (SEEN FROM "x") UID 1:* LARGER 3\r\n',
    'a AUTHENTICATE PLAIN\r\nAHRlc3QAdGVzdHBhc3M=\r\nb LIST "" "*"\r\nc STATUS INBOX (MESSAGES UIDNEXT)\r\nd EXAMINE INBOX\r\ne UID STORE 1 +FLAGS (\\Deleted)\r\nf IDLE\r\nDONE\r\ng EXPUNGE\r\n',
  ],
  pop3: [
    'CAPA\r\nUSER test\r\nPASS testpass\r\nSTAT\r\nLIST\r\nUIDL 1\r\nRETR 1\r\nTOP 1 0\r\nDELE 1\r\nRSET\r\nQUIT\r\n',
    'AUTH PLAIN\r\nAHRlc3QAdGVzdHBhc3M=\r\nLIST 1\r\nNOOP\r\nAPOP test 0123456789abcdef0123456789abcdef\r\nQUIT\r\n',
  ],
};

/** Bytes that tend to find edges: framing, literals, lists, NUL, 8-bit, long numbers. */
const SPICE = [
  '\r\n',
  '\n',
  '\r',
  '\0',
  '{',
  '}',
  '(',
  ')',
  '[',
  '"',
  '\\',
  ' ',
  '*',
  '{4294967296}',
  '{5+}\r\n',
  '\xff',
  '9'.repeat(30),
  '.\r\n',
];

function mutate(text: string, rand: () => number): Buffer {
  let s = text;
  const edits = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0: // insert a spice
        s = s.slice(0, at) + SPICE[Math.floor(rand() * SPICE.length)]! + s.slice(at);
        break;
      case 1: // delete a stretch
        s = s.slice(0, at) + s.slice(at + Math.floor(rand() * 8));
        break;
      case 2: // flip a byte
        s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + s.slice(at + 1);
        break;
      case 3: // repeat a stretch (pipelining, nesting)
        s = s.slice(0, at) + s.slice(at, at + 12).repeat(1 + Math.floor(rand() * 20)) + s.slice(at);
        break;
      case 4: // truncate: the client vanishes mid-command
        s = s.slice(0, at);
        break;
      default: // swap the order of two lines
        s = s
          .split('\r\n')
          .sort(() => rand() - 0.5)
          .join('\r\n');
    }
  }
  return Buffer.from(s, 'latin1');
}

/** Sends `data` in random pieces with short pauses, then reads for a moment and goes away. */
async function fuzzSession(port: number, data: Buffer, rand: () => number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.on('data', () => {});
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  for (let i = 0; i < data.length && !socket.destroyed;) {
    const n = 1 + Math.floor(rand() * 64);
    socket.write(data.subarray(i, i + n));
    i += n;
    if (rand() < 0.2) await new Promise((r) => setTimeout(r, 1 + Math.floor(rand() * 5)));
  }
  await new Promise((r) => setTimeout(r, 10 + Math.floor(rand() * 40)));
  if (rand() < 0.5) socket.end();
  socket.destroy();
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const BUDGET_MS = 12_000;
const MAX_SESSIONS = 400;

describe(`protocol fuzzer (seed ${SEED}: FUZZ_SEED=${SEED} repeats it)`, () => {
  let sb: Sandbox;
  const errors: string[] = [];
  const raw = sampleMessage('fuzz neighbour');

  before(async () => {
    sb = await startTestSandbox({ listeners: ['smtp', 'imap', 'pop3'] });
    sb.transcript.subscribe((e) => {
      if (e.type === 'note' && e.level === 'error') errors.push(`${e.sid}: ${e.text}`);
    });
    assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /);
  });
  after(async () => {
    await sb.close();
  });

  /** The well-behaved neighbour of each protocol, after the storm. */
  const neighbours = {
    smtp: async () => assert.match(await sendMail({ port: sb.ports.smtp!, raw }), /^250 /),
    imap: async () => {
      const c = await RawClient.connect(sb.ports.imap!);
      assert.match(await c.readLine(), /^\* OK /);
      c.send('l LOGIN test testpass');
      assert.match((await c.readUntil(/^l /)).at(-1)!, /^l OK /);
      c.send('s SELECT INBOX');
      assert.match((await c.readUntil(/^s /)).at(-1)!, /^s OK /);
      c.send('o LOGOUT');
      assert.match((await c.readUntil(/^o /)).at(-1)!, /^o OK /);
      c.close();
    },
    pop3: async () => {
      const c = await RawClient.connect(sb.ports.pop3!);
      assert.match(await c.readLine(), /^\+OK /);
      for (const line of ['USER test', 'PASS testpass', 'STAT', 'QUIT']) {
        c.send(line);
        assert.match(await c.readLine(), /^\+OK/, line);
      }
      c.close();
    },
  };

  for (const proto of ['smtp', 'imap', 'pop3'] as const) {
    it(`${proto}: mutated and split command streams; no crash, no error line, a neighbour still served`, async () => {
      const rand = mulberry32(SEED + proto.length);
      const started = Date.now();
      let sessions = 0;
      while (sessions < MAX_SESSIONS && Date.now() - started < BUDGET_MS) {
        const base = CORPUS[proto][Math.floor(rand() * CORPUS[proto].length)]!;
        // Four at a time, as a busy client would.
        await Promise.all(
          Array.from({ length: 4 }, () => fuzzSession(sb.ports[proto]!, mutate(base, rand), rand)),
        );
        sessions += 4;
      }
      await neighbours[proto]();
      assert.deepEqual(errors, [], `error lines after ${sessions} sessions`);
      assert.ok(sessions >= 20, `only ${sessions} sessions in the time budget`);
    });
  }
});
