import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../src/index.js';
import { ok, signedIn } from '../helpers/imap.js';
import type { RawClient } from '../helpers/raw-client.js';
import { python } from '../helpers/run.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

/** A POP3 session opened on three messages; two more arrive (the cap drops messages 1 and 2); then
 *  STAT, RETR 1, DELE 1, QUIT, one reply per line (RETR's lines joined with LF). */
const POP3_MEANWHILE = `
import poplib, smtplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[2]))
p.user('reader'); p.pass_('secret')
for n in (4, 5):
    with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
        s.sendmail('a@example.test', ['b@example.test'], 'Subject: capped %d\\r\\n\\r\\nbody %d\\r\\n' % (n, n))
print(p.stat()[0])
try:
    print(b'\\n'.join(p.retr(1)[1]).decode())
except poplib.error_proto as e:
    print(e.args[0].decode())
print(p.dele(1).decode())
print(p.quit().decode())
`;

/** Sends messages `Subject: capped N` for each N in argv[2:] with smtplib, one connection each. */
const SEND = `
import smtplib, sys
port = int(sys.argv[1])
for n in sys.argv[2:]:
    with smtplib.SMTP('127.0.0.1', port) as s:
        s.sendmail('a@example.test', ['b@example.test'], 'Subject: capped %s\\r\\n\\r\\nbody %s\\r\\n' % (n, n))
`;

async function send(sb: Sandbox, ...numbers: number[]): Promise<void> {
  const result = await python(SEND, [String(sb.ports.smtp), ...numbers.map(String)]);
  assert.equal(result.code, 0, result.stderr);
}

describe('--max-messages in memory', () => {
  const clients: RawClient[] = [];
  const sandboxes: Sandbox[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const sb of sandboxes) await sb.close();
  });

  it('keeps the newest 3 of 5 deliveries; a session SELECTed before sees EXPUNGE; the transcript says why', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp', 'imap'], maxMessages: 3 });
    sandboxes.push(sb);
    const imap = await signedIn(sb.ports.imap!, clients, 'INBOX');
    await send(sb, 1, 2, 3);
    assert.match((await ok(imap, 'n1', 'NOOP')).join('\n'), /^\* 3 EXISTS$/m);
    await send(sb, 4, 5);
    const noop = await ok(imap, 'n2', 'NOOP');
    assert.equal(noop.filter((l) => /^\* [12] EXPUNGE$/.test(l)).length, 2, noop.join('\n'));
    assert.match(noop.join('\n'), /^\* 3 EXISTS$/m);
    const subjects = await ok(imap, 'f', 'UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.deepEqual(
      subjects.filter((l) => l.startsWith('Subject:')),
      ['Subject: capped 3', 'Subject: capped 4', 'Subject: capped 5'],
    );
    assert.deepEqual(await ok(imap, 's', 'UID SEARCH ALL'), ['* SEARCH 3 4 5', 's OK UID SEARCH completed']);

    const notes = sb.bus
      .history()
      .filter((e) => e.type === 'note' && e.text.startsWith('store full (--max-messages 3)'));
    assert.equal(notes.length, 2, 'one note per delivery that made room');
    const first = notes[0]!;
    assert.equal(first.proto, 'smtp');
    // The note is in the transcript of the SMTP session whose message made room.
    const transcript = sb.transcript.text(first.sid);
    assert.match(
      transcript,
      /-- warn: store full \(--max-messages 3\): dropped the oldest message \w+ \(UID 1 in INBOX of shared, \d+ bytes\) to make room for \w+/,
    );
    assert.match(transcript, /S: 250 .*queued as/);
  });

  it('a POP3 session keeps its snapshot: a message dropped meanwhile is still RETRieved and DELE is harmless', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp', 'pop3'], maxMessages: 3 });
    sandboxes.push(sb);
    await send(sb, 1, 2, 3);
    const result = await python(POP3_MEANWHILE, [String(sb.ports.smtp), String(sb.ports.pop3)]);
    assert.equal(result.code, 0, result.stderr);
    const [count, ...rest] = result.stdout.trim().split('\n');
    // RFC 1939 §5: numbers and sizes hold for the whole session, whatever arrives or goes meanwhile.
    assert.equal(count, '3');
    assert.match(rest.join('\n'), /^Subject: capped 1\n\nbody 1\n\+OK/);
    assert.match(rest.at(-1)!, /^\+OK/);
    const left = (await sb.store.folder('shared', 'INBOX'))!.messages.map((m) => m.raw.toString());
    assert.deepEqual(
      left.map((raw) => /Subject: (.*)\r/.exec(raw)![1]),
      ['capped 3', 'capped 4', 'capped 5'],
    );
  });

  it('with --maildir the file of a dropped message is gone: RETR answers -ERR [SYS/TEMP], the session goes on', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp', 'pop3'], maxMessages: 3, maildir: tempDir() });
    sandboxes.push(sb);
    await send(sb, 1, 2, 3);
    const result = await python(POP3_MEANWHILE, [String(sb.ports.smtp), String(sb.ports.pop3)]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], '3');
    assert.match(
      lines[1]!,
      /^-ERR \[SYS\/TEMP\] message 1 cannot be read: message \w+ \(UID 1\) was expunged$/,
    );
    assert.match(lines[2]!, /^\+OK/);
    assert.match(lines[3]!, /^\+OK/);
  });
});
