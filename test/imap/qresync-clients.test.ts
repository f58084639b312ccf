import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { Sandbox } from '../../src/index.js';
import { imapFlow } from '../helpers/imap.js';
import { run } from '../helpers/run.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { PYTHON } from '../scenarios/support.js';

/** Third-party clients over CONDSTORE/QRESYNC (RFC 7162): imapflow's qresync sync, and the RFC's
 *  examples driven by python's imaplib. */

interface Events {
  expunged: { uid?: number; earlier?: boolean }[];
  flags: { uid?: number; flags: string[]; modseq?: bigint }[];
}

describe('CONDSTORE/QRESYNC with real clients', () => {
  let sb: Sandbox;
  const clients: ImapFlow[] = [];
  const drop = (): string => sb.store.maildropFor('test');

  before(async () => {
    sb = await startTestSandbox({ listeners: ['imap', 'imaps'], users: { test: 'testpass' } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
    await sb.close();
  });

  async function seed(folder: string, count: number, from = 1): Promise<void> {
    for (let i = from; i < from + count; i++)
      await sb.store.append(drop(), folder, Buffer.from(`Subject: m${i}\r\n\r\nbody ${i}\r\n`));
  }

  async function connect(): Promise<{ client: ImapFlow; events: Events }> {
    const client = imapFlow(
      sb.ports.imaps!,
      'implicit',
      { user: 'test', pass: 'testpass' },
      { qresync: true },
    );
    clients.push(client);
    const events: Events = { expunged: [], flags: [] };
    client.on('expunge', (e: { uid?: number; earlier?: boolean }) => events.expunged.push(e));
    client.on('flags', (e: { uid?: number; flags: Set<string>; modseq?: bigint }) =>
      events.flags.push({ uid: e.uid, flags: [...e.flags].sort(), modseq: e.modseq }),
    );
    await client.connect();
    return { client, events };
  }

  /** Another session's changes: \Flagged on UID 1, UIDs 2 and 4 expunged, one new message (UID 7). */
  async function changeElsewhere(folder: string): Promise<void> {
    const f = (await sb.store.folder(drop(), folder))!;
    const byUid = (uid: number) => f.messages.find((m) => m.uid === uid)!;
    await sb.store.setFlags(drop(), folder, byUid(1), ['\\Flagged']);
    await sb.store.expunge(drop(), folder, [2, 4]);
    await seed(folder, 1, 7);
  }

  it('imapflow with qresync: true resyncs an offline mailbox and gets exactly the changes', async () => {
    await sb.store.createFolder(drop(), 'Offline');
    await seed('Offline', 6);
    const first = await connect();
    const opened = await first.client.mailboxOpen('Offline');
    assert.ok(first.client.enabled.has('QRESYNC'), 'QRESYNC enabled');
    const { uidValidity, highestModseq } = opened;
    assert.ok(highestModseq && highestModseq > 0n);
    await first.client.logout();

    await changeElsewhere('Offline');

    const second = await connect();
    const resynced = await second.client.mailboxOpen('Offline', { uidValidity, changedSince: highestModseq });
    assert.ok(resynced.highestModseq! > highestModseq!);
    assert.deepEqual(
      second.events.expunged.map((e) => [e.uid, e.earlier]),
      [
        [2, true],
        [4, true],
      ],
    );
    assert.deepEqual(
      second.events.flags.map((e) => [e.uid, e.flags]),
      [
        [1, ['\\Flagged']],
        [7, ['\\Recent']],
      ],
    );
    assert.equal(resynced.exists, 5);
    // imapflow negotiates COMPRESS=DEFLATE by itself: this sync ran deflated (RFC 4978).
    assert.ok(
      sb.transcript.history().some((e) => e.type === 'note' && e.text.startsWith('COMPRESS=DEFLATE active')),
    );
  });

  it('imapflow with qresync: true, live: VANISHED, flag and EXISTS updates, then FETCH CHANGEDSINCE', async () => {
    await sb.store.createFolder(drop(), 'Live');
    await seed('Live', 6);
    const { client, events } = await connect();
    const opened = await client.mailboxOpen('Live');
    const since = opened.highestModseq!;
    await changeElsewhere('Live');
    await client.noop();
    assert.deepEqual(
      events.expunged.map((e) => [e.uid, e.earlier]),
      [
        [2, false],
        [4, false],
      ],
    );
    assert.deepEqual(
      events.flags.map((e) => [e.uid, e.flags]),
      [[1, ['\\Flagged', '\\Recent']]],
    );
    assert.ok(events.flags[0]!.modseq! > since);
    assert.equal(client.mailbox && client.mailbox.exists, 5);
    const changed: number[] = [];
    for await (const m of client.fetch('1:*', { flags: true }, { uid: true, changedSince: since }))
      changed.push(m.uid);
    assert.deepEqual(changed, [1, 7]);
  });

  it('python imaplib drives the RFC 7162 examples (ENABLE, SELECT CONDSTORE, CHANGEDSINCE, UNCHANGEDSINCE, SEARCH MODSEQ, QRESYNC)', async () => {
    await sb.store.createFolder(drop(), 'Rfc');
    await seed('Rfc', 9);
    const script = `
import imaplib, json, re, ssl, sys
port = int(sys.argv[1]); ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx)
m.login('test', 'testpass')
out = {'caps': [c for c in m.capabilities if c in ('CONDSTORE', 'QRESYNC', 'ENABLE')]}
typ, data = m._simple_command('SELECT', 'Rfc', '(CONDSTORE)'); m.state = 'SELECTED'
out['highest'] = int(m.untagged_responses['HIGHESTMODSEQ'][0]); m.untagged_responses.clear()
h = out['highest']
# Example 10: conditional STORE; message 7 was changed by someone else in between
m.store('7', '+FLAGS', '(Other)'); m.untagged_responses.clear()
typ, data = m._simple_command('STORE', '7,5,9', '(UNCHANGEDSINCE %d)' % h, '+FLAGS.SILENT', '(\\\\Deleted)')
out['store'] = [typ, m.untagged_responses.get('FETCH'), data]; m.untagged_responses.clear()
# Example 12: FETCH with CHANGEDSINCE
typ, data = m._simple_command('FETCH', '1:*', '(UID FLAGS)', '(CHANGEDSINCE %d)' % h)
out['changed'] = [d.decode() for d in m.untagged_responses.get('FETCH', [])]; m.untagged_responses.clear()
typ, data = m.search(None, 'MODSEQ', str(h + 1))
out['search'] = data[0].decode()
out['status'] = m.status('Rfc', '(HIGHESTMODSEQ)')[1][0].decode()
m.close()
# QRESYNC (§3.2.5): expunge 5 and 9 elsewhere (here), then resync from h
typ, data = m._simple_command('ENABLE', 'QRESYNC'); out['enabled'] = m.untagged_responses.pop('ENABLED', None)
typ, data = m._simple_command('SELECT', 'Rfc'); m.state = 'SELECTED'
uv = m.untagged_responses['UIDVALIDITY'][0].decode(); m.untagged_responses.clear()
m.expunge(); m.untagged_responses.clear()
typ, data = m._simple_command('SELECT', 'Rfc', '(QRESYNC (%s %d 1:9))' % (uv, h))
out['vanished'] = [v.decode() for v in m.untagged_responses.get('VANISHED', [])]
out['resync'] = [d.decode() for d in m.untagged_responses.get('FETCH', [])]
out['closed'] = [v.decode() for v in m.untagged_responses.get('OK', []) if b'CLOSED' in v]
m.logout()
print(json.dumps(out, default=lambda b: b.decode() if isinstance(b, bytes) else str(b)))
`;
    const result = await run(PYTHON, ['-c', script, String(sb.ports.imaps), certPath()], {
      timeoutMs: 20_000,
    });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    const h = out.highest as number;
    assert.deepEqual(out.caps, ['ENABLE', 'CONDSTORE', 'QRESYNC']);
    const [typ, fetches, data] = out.store as [string, string[], string[]];
    assert.equal(typ, 'OK');
    assert.match(data[0]!, /^\[MODIFIED 7\] /);
    assert.deepEqual(
      fetches.map((f) => f.replace(/\d+\)\)$/, 'n))')),
      ['5 (MODSEQ (n))', '9 (MODSEQ (n))'],
    );
    assert.deepEqual(
      (out.changed as string[]).map((f) => f.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')),
      [
        '5 (UID 5 FLAGS (\\Deleted \\Recent) MODSEQ (n))',
        '7 (UID 7 FLAGS (\\Recent Other) MODSEQ (n))',
        '9 (UID 9 FLAGS (\\Deleted \\Recent) MODSEQ (n))',
      ],
    );
    assert.match(out.search as string, /^5 7 9 \(MODSEQ \d+\)$/);
    assert.match(out.status as string, /^"?Rfc"? \(HIGHESTMODSEQ \d+\)$/);
    assert.ok(Number(/(\d+)\)$/.exec(out.status as string)![1]) > h);
    assert.deepEqual(out.enabled, ['QRESYNC']);
    assert.deepEqual(out.vanished, ['(EARLIER) 5,9']);
    assert.deepEqual(
      (out.resync as string[]).map((f) => f.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')),
      ['6 (UID 7 FLAGS (Other) MODSEQ (n))'],
    );
    assert.deepEqual(out.closed, ['[CLOSED] Previous mailbox closed.']);
  });
});
