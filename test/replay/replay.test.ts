import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDovecot, type Dovecot } from '../../bench/dovecot.js';
import type { Sandbox } from '../../src/index.js';
import { replayScenarioYaml, recordingToReplay } from '../../src/replay/write.js';
import { loadScenario } from '../../src/scenario/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { python, run } from '../helpers/run.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { waitFor } from '../helpers/wait.js';
import { startPair } from '../proxy/pair.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

const SMTPLIB = String.raw`
import json, smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
out = [s.ehlo('client.example.test'), s.mail('a@example.test'), s.rcpt('ok@example.test'),
       s.rcpt('full@example.test'), s.rcpt('gone@example.test'), s.rset(), s.quit()]
print(json.dumps([[c, m.decode()] for c, m in out]))
`;

const IMAPLIB = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {'caps': sorted(m.capabilities)}
out['login'] = m.login('test', 'secret')[0]
typ, data = m.select('INBOX')
out['select'] = [typ, [d.decode() for d in data], {k: [v.decode() for v in m.untagged_responses.get(k, [])] for k in ('FLAGS', 'UIDVALIDITY', 'UIDNEXT')}]
typ, data = m.fetch('1:3', '(FLAGS RFC822.SIZE)')
out['fetch'] = [typ, [d.decode() for d in data]]
typ, data = m.list()
out['list'] = [typ, sorted(d.decode() for d in data)]
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;

/** The one .jsonl the proxy recorded, once its session closed. */
function recorded(dir: string): Promise<string> {
  return waitFor(() => {
    const f = readdirSync(dir).find((n) => n.endsWith('.jsonl'));
    const path = f && join(dir, f);
    return path && readFileSync(path, 'utf8').includes('session-close') ? path : null;
  }, 'the recording');
}

/** `mailsandbox replay REC -o FILE.yaml` with the real CLI, then the scenario loaded as a user would. */
async function replayOf(rec: string, dir: string): Promise<string> {
  const yaml = join(dir, 'replay.yaml');
  const r = await run('node', [CLI, 'replay', rec, '-o', yaml]);
  assert.equal(r.code, 0, r.stderr);
  return yaml;
}

describe('replay: an SMTP capture of an upstream playing mailbox-full', () => {
  let dir: string;
  let rec: string;
  let live: unknown;
  before(async () => {
    dir = tempDir('mailsandbox-replay-');
    const pair = await startPair({
      upstream: { scenario: await loadScenario('mailbox-full') },
      proxy: { record: dir },
    });
    try {
      const r = await python(SMTPLIB, [String(pair.proxy.ports.smtp)]);
      assert.equal(r.code, 0, r.stderr);
      live = JSON.parse(r.stdout);
      rec = await recorded(dir);
    } finally {
      await pair.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replayed with no upstream, gives python smtplib the same replies', async () => {
    const yaml = await replayOf(rec, dir);
    const sandbox = await startTestSandbox({ scenario: await loadScenario(yaml) });
    try {
      const r = await python(SMTPLIB, [String(sandbox.ports.smtp)]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), live);
      assert.deepEqual(
        (live as [number][]).slice(3, 5).map(([c]) => c),
        [452, 552],
      );
      // A command the recording never saw gets the sandbox's own answer, with a note.
      const c = await RawClient.connect(sandbox.ports.smtp!);
      assert.match(await c.readLine(), /^220 /);
      c.send('NOOP');
      assert.match(await c.readLine(), /^250 /);
      c.close();
      const notes = sandbox.transcript
        .history()
        .filter((e) => e.type === 'note' && /not in the recording/.test(e.text));
      assert.ok(notes.length > 0);
    } finally {
      await sandbox.close();
    }
  });

  it('reads the .txt transcript and a pasted S:/C: transcript the same way', async () => {
    const txt = readFileSync(rec.replace(/\.jsonl$/, '.txt'), 'utf8');
    const paste = txt
      .split('\n')
      .filter((l) => / [CS]: /.test(l))
      .map((l) => l.slice(13))
      .join('\n');
    const fromJsonl = recordingToReplay(readFileSync(rec, 'utf8'), 'x.jsonl');
    for (const [text, name] of [
      [txt, 'x.txt'],
      [paste, 'paste.txt'],
    ] as const) {
      const replay = recordingToReplay(text, name);
      assert.deepEqual(replay.exchanges, fromJsonl.exchanges, name);
      assert.deepEqual(replay.greeting, fromJsonl.greeting);
    }
    assert.match(replayScenarioYaml(fromJsonl), /^replay:\n {2}protocol: smtp$/m);
  });

  it('replay --client prints where a server answers differently (exit 1), none against the same scenario (exit 0)', async () => {
    const plain = await startTestSandbox();
    const full = await startTestSandbox({ scenario: await loadScenario('mailbox-full') });
    try {
      const differ = await run('node', [
        CLI,
        'replay',
        '--client',
        rec,
        '--to',
        `127.0.0.1:${plain.ports.smtp}`,
      ]);
      assert.equal(differ.code, 1, differ.stdout + differ.stderr);
      assert.match(
        differ.stdout,
        /!! expected: 452 4\.2\.2 Mailbox full, try again later\n!! {6}got: 250 2\.1\.5 Accepted/,
      );
      const same = await run('node', [
        CLI,
        'replay',
        '--client',
        rec,
        '--to',
        `127.0.0.1:${full.ports.smtp}`,
      ]);
      assert.equal(same.code, 0, same.stdout + same.stderr);
      assert.match(same.stdout, /no differences\n$/);
    } finally {
      await plain.close();
      await full.close();
    }
  });

  it('a malformed recording: exit 2 naming the line', async () => {
    const bad = join(dir, 'bad.jsonl');
    const lines = readFileSync(rec, 'utf8').split('\n');
    lines.splice(2, 0, '{"type":"client-line", oops');
    writeFileSync(bad, lines.join('\n'));
    const r = await run('node', [CLI, 'replay', bad, '-o', join(dir, 'never.yaml')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `mailsandbox: ${bad}:3: not a JSON transcript event\n`);
    const paste = join(dir, 'bad.txt');
    writeFileSync(paste, 'S: 220 hi\nC: EHLO x\nthis is not a transcript line\n');
    const r2 = await run('node', [CLI, 'replay', paste, '-o', join(dir, 'never.yaml')]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /bad\.txt:3: expected "C: …" or "S: …"/);
  });
});

describe('replay: an IMAP session against a private Dovecot, replayed offline', () => {
  let dir: string;
  let dovecot: Dovecot;
  let proxy: Sandbox;
  before(async () => {
    dir = tempDir('mailsandbox-replay-dovecot-');
    chmodSync(dir, 0o755);
    const messages = [1, 2, 3].map(
      (i) => `From: a@example.test\nSubject: message ${i}\n\n${'body\n'.repeat(i * 7)}`,
    );
    dovecot = await startDovecot({
      dir: join(dir, 'dovecot'),
      protocol: 'imap',
      messages,
      user: 'test',
      flags: 'S',
    });
    proxy = await startTestSandbox({
      record: join(dir, 'rec'),
      proxy: { upstreams: { imap: { host: '127.0.0.1', port: dovecot.port, tls: 'starttls' } } },
    });
  });
  after(async () => {
    await proxy.close();
    await dovecot.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('LOGIN, SELECT, FETCH 1:3 (FLAGS RFC822.SIZE), LIST, LOGOUT: imaplib gets identical results', async () => {
    const live = await python(IMAPLIB, [String(proxy.ports.imap)]);
    assert.equal(live.code, 0, live.stderr);
    const liveOut = JSON.parse(live.stdout) as { fetch: [string, string[]] };
    assert.equal(liveOut.fetch[1].length, 3);
    assert.match(liveOut.fetch[1][0]!, /FLAGS \(\\Seen[^)]*\) RFC822\.SIZE \d+/);
    const rec = await recorded(join(dir, 'rec'));
    await dovecot.stop();
    const yaml = await replayOf(rec, dir);
    const replay = await startTestSandbox({ scenario: await loadScenario(yaml) });
    try {
      const offline = await python(IMAPLIB, [String(replay.ports.imap)]);
      assert.equal(offline.code, 0, offline.stderr);
      assert.deepEqual(JSON.parse(offline.stdout), liveOut);
      const fetched = replay.transcript
        .history()
        .filter((e) => e.type === 'server-line' && / FETCH \(/.test(e.line));
      assert.equal(fetched.length, 3);
    } finally {
      await replay.close();
    }
  });
});

describe('replay: IMAP and POP3 captures of a sandbox with mail, bodies as stand-ins of the same size', () => {
  const IMAP = String.raw`
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('u', 'p'); m.select('INBOX')
typ, data = m.fetch('2', '(UID FLAGS RFC822.SIZE BODY.PEEK[])')
meta, body = data[0][0].decode(), data[0][1]
out = [meta, len(body), body.split(b'\r\n')[0].decode()]
if len(sys.argv) > 2:
    typ, data = m.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    out.append(data[0][1].decode())
m.logout()
print(json.dumps(out))
`;
  const POP3 = String.raw`
import json, poplib, sys
c = poplib.POP3('127.0.0.1', int(sys.argv[1]))
c.user('u'); c.pass_('p')
r = c.retr(2)
out = [c.stat(), [l.decode() for l in c.list()[1]], r[0].decode(), sum(len(l) + 2 for l in r[1])]
c.quit()
print(json.dumps(out))
`;

  it('the replayed FETCH and RETR give the recorded UID, flags, sizes and first line', async () => {
    const dir = tempDir('mailsandbox-replay-mail-');
    const pair = await startPair({ proxy: { record: dir } });
    try {
      const drop = pair.upstream.store.maildropFor('');
      for (const [i, flags] of [
        [1, []],
        [2, ['\\Flagged']],
      ] as const)
        await pair.upstream.store.append(
          drop,
          'INBOX',
          Buffer.from(`Subject: number ${i}\r\n\r\n${'text\r\n'.repeat(i * 20)}`),
          {
            flags: [...flags],
          },
        );
      const imapLive = await python(IMAP, [String(pair.proxy.ports.imap)]);
      assert.equal(imapLive.code, 0, imapLive.stderr);
      const popLive = await python(POP3, [String(pair.proxy.ports.pop3)]);
      assert.equal(popLive.code, 0, popLive.stderr);
      const files = await waitFor(() => {
        const f = readdirSync(dir)
          .filter((n) => n.endsWith('.jsonl'))
          .map((n) => join(dir, n));
        return f.length === 2 && f.every((p) => readFileSync(p, 'utf8').includes('session-close')) ? f : null;
      }, 'both recordings');
      for (const [rec, script, live] of [
        [files.find((f) => f.includes('imap'))!, IMAP, imapLive.stdout],
        [files.find((f) => f.includes('pop3'))!, POP3, popLive.stdout],
      ] as const) {
        const out = join(dir, 'replay.yaml');
        writeFileSync(out, replayScenarioYaml(recordingToReplay(readFileSync(rec, 'utf8'), rec)));
        const replay = await startTestSandbox({ scenario: await loadScenario(out) });
        try {
          const offline = await python(script, [String(replay.ports.imap ?? replay.ports.pop3), 'more']);
          assert.equal(offline.code, 0, offline.stderr);
          const got = JSON.parse(offline.stdout) as unknown[];
          const want = JSON.parse(live) as unknown[];
          assert.deepEqual(got.slice(0, want.length), want);
          if (script === IMAP) {
            // Not in the recording: the inner sandbox answers from the seeded stand-in of message 2.
            assert.match(String(got[3]), /^Subject: number 2\r\n/);
            assert.ok(
              replay.transcript
                .history()
                .some((e) => e.type === 'note' && /is not in the recording/.test(e.text)),
            );
          }
        } finally {
          await replay.close();
        }
      }
    } finally {
      await pair.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
