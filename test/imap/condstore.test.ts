import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { ok, run } from '../helpers/imap.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestSandbox, tempDir } from '../helpers/sandbox.js';

/** CONDSTORE and QRESYNC (RFC 7162), UIDVALIDITY on re-create, keyword announcement; raw IMAP sessions. */

const clients: RawClient[] = [];
const sandboxes: Sandbox[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(sandboxes.map((s) => s.close()));
});

async function sandbox(options: { maildir?: string } = {}): Promise<Sandbox> {
  const sb = await startTestSandbox({ listeners: ['imap'], ...options });
  sandboxes.push(sb);
  return sb;
}

async function seed(sb: Sandbox, folder: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++)
    await sb.store.append(
      sb.store.maildropFor('test'),
      folder,
      Buffer.from(`Subject: m${i}\r\n\r\nbody ${i}\r\n`),
    );
}

async function login(sb: Sandbox): Promise<RawClient> {
  const c = await RawClient.connect(sb.ports.imap!);
  clients.push(c);
  await c.readLine();
  await ok(c, 'l', 'LOGIN test secret');
  return c;
}

const highest = (lines: string[]): number => Number(/HIGHESTMODSEQ (\d+)/.exec(lines.join('\n'))![1]);

describe('UIDVALIDITY and keywords (issue 14 bugs)', () => {
  it('a mailbox deleted and created again in the same second gets a new UIDVALIDITY', async () => {
    const sb = await sandbox();
    const c = await login(sb);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await ok(c, 'c', 'CREATE Again');
      seen.add(/UIDVALIDITY (\d+)/.exec((await ok(c, 's', 'STATUS Again (UIDVALIDITY)'))[0]!)![1]!);
      await ok(c, 'd', 'DELETE Again');
    }
    assert.equal(seen.size, 3, [...seen].join(' '));
  });

  it('the UIDVALIDITY counter survives a restart with --maildir', async () => {
    const dir = tempDir();
    let sb = await sandbox({ maildir: dir });
    let c = await login(sb);
    await ok(c, 'c', 'CREATE Again');
    const first = (await ok(c, 's', 'STATUS Again (UIDVALIDITY)'))[0]!;
    await ok(c, 'd', 'DELETE Again');
    c.close();
    await sb.close();
    sb = await sandbox({ maildir: dir });
    c = await login(sb);
    await ok(c, 'c', 'CREATE Again');
    const second = (await ok(c, 's', 'STATUS Again (UIDVALIDITY)'))[0]!;
    assert.ok(Number(/(\d+)\)/.exec(second)![1]) > Number(/(\d+)\)/.exec(first)![1]), `${first} / ${second}`);
  });

  it("another session's new keyword is announced in FLAGS and PERMANENTFLAGS before a FETCH carries it", async () => {
    const sb = await sandbox();
    await seed(sb, 'INBOX', 2);
    const a = await login(sb);
    const b = await login(sb);
    await ok(a, 's', 'SELECT INBOX');
    await ok(b, 's', 'SELECT INBOX');
    await ok(b, 'k', 'STORE 1 +FLAGS.SILENT ($Label1)');
    // The FETCH itself may carry the keyword: FLAGS comes first.
    const fetch = await ok(a, 'f', 'FETCH 1 (FLAGS)');
    const flagsAt = fetch.findIndex((l) => l.startsWith('* FLAGS (') && l.includes('$Label1'));
    const permanentAt = fetch.findIndex((l) => /^\* OK \[PERMANENTFLAGS \(.*\$Label1 \\\*\)\]/.test(l));
    const fetchAt = fetch.findIndex((l) => /^\* 1 FETCH .*\$Label1/.test(l));
    assert.ok(flagsAt >= 0 && permanentAt > flagsAt && fetchAt > permanentAt, fetch.join('\n'));
    // Through NOOP: a second new keyword, announced once, before the untagged FETCH.
    await ok(b, 'k', 'STORE 2 +FLAGS.SILENT (Custom)');
    const noop = await ok(a, 'n', 'NOOP');
    assert.match(noop[0]!, /^\* FLAGS \(.*\$Label1 Custom\)$/);
    assert.match(noop[1]!, /^\* OK \[PERMANENTFLAGS /);
    assert.match(noop[2]!, /^\* 2 FETCH \(UID 2 FLAGS \(\\Recent Custom\)\)$/);
    assert.deepEqual(await ok(a, 'n2', 'NOOP'), ['n2 OK NOOP completed']);
  });
});

describe('CONDSTORE (RFC 7162 §3.1)', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await sandbox();
    await seed(sb, 'INBOX', 5);
  });

  it('HIGHESTMODSEQ in SELECT and STATUS; FETCH MODSEQ; CHANGEDSINCE gives only what changed', async () => {
    const c = await login(sb);
    const status = highest(await ok(c, 't', 'STATUS INBOX (HIGHESTMODSEQ)'));
    const select = await ok(c, 's', 'SELECT INBOX (CONDSTORE)');
    assert.equal(highest(select), status);
    const modseqs = (await ok(c, 'f', 'FETCH 1:* (MODSEQ)')).slice(0, -1);
    assert.equal(modseqs.length, 5);
    const values = modseqs.map((l) => Number(/MODSEQ \((\d+)\)/.exec(l)![1]));
    assert.ok(
      values.every((v, i) => i === 0 || v > values[i - 1]!),
      values.join(' '),
    );
    const store = await ok(c, 'st', 'STORE 2 +FLAGS (\\Seen)');
    const changed = Number(/^\* 2 FETCH \(FLAGS \(\\Seen \\Recent\) MODSEQ \((\d+)\)\)$/.exec(store[0]!)![1]);
    assert.ok(changed > status);
    assert.deepEqual(await ok(c, 'g', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${status})`), [
      `* 2 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (${changed}))`,
      'g OK FETCH completed',
    ]);
    assert.deepEqual(await ok(c, 'h', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${changed})`), [
      'h OK UID FETCH completed',
    ]);
    assert.equal(highest(await ok(c, 't2', 'STATUS INBOX (HIGHESTMODSEQ)')), changed);
    // SEARCH MODSEQ: the messages changed since, and the highest modseq among them.
    // MODSEQ n matches a modseq of n or more (§3.1.5): the last seeded message has `status` itself.
    assert.equal((await ok(c, 'x', `SEARCH MODSEQ ${status + 1}`))[0], `* SEARCH 2 (MODSEQ ${changed})`);
    assert.equal(
      (await ok(c, 'z', `UID SEARCH RETURN (ALL COUNT) MODSEQ ${status + 1}`))[0],
      `* ESEARCH (TAG "z") UID ALL 2 COUNT 1 MODSEQ ${changed}`,
    );
    assert.equal(
      (await ok(c, 'y', `UID SEARCH MODSEQ "/flags/\\\\draft" all ${changed + 1}`))[0],
      '* SEARCH',
    );
  });

  it('STORE UNCHANGEDSINCE leaves changed messages alone and names them in [MODIFIED] (RFC 7162 example 10)', async () => {
    const a = await login(sb);
    const b = await login(sb);
    const start = highest(await ok(a, 's', 'SELECT INBOX (CONDSTORE)'));
    await ok(b, 's', 'SELECT INBOX');
    await ok(b, 'x', 'STORE 3 +FLAGS (\\Answered)');
    const lines = await ok(a, 'd', `STORE 3,4,5 (UNCHANGEDSINCE ${start}) +FLAGS.SILENT (\\Deleted)`);
    assert.equal(lines.at(-1), 'd OK [MODIFIED 3] Conditional STORE failed');
    assert.deepEqual(
      lines.filter((l) => /^\* \d+ FETCH \(MODSEQ \(\d+\)\)$/.test(l)).map((l) => l.split(' ')[1]),
      ['4', '5'],
    );
    const uidLines = await ok(a, 'u', 'UID STORE 3,5 (UNCHANGEDSINCE 1) -FLAGS (\\Deleted)');
    assert.equal(uidLines.at(-1), 'u OK [MODIFIED 3,5] Conditional STORE failed');
  });

  it('answers BAD for CONDSTORE arguments when a scenario removed the capability', async () => {
    const { parseScenario } = await import('../../src/scenario/index.js');
    const scenario = await parseScenario(
      'description: x\nimap:\n  capabilities: { remove: [CONDSTORE, QRESYNC] }\n',
      {
        label: 'inline.yaml',
        name: 'inline',
      },
    );
    const plain = await startTestSandbox({ listeners: ['imap'], scenario });
    sandboxes.push(plain);
    await seed(plain, 'INBOX', 1);
    const c = await login(plain);
    const select = await ok(c, 's', 'SELECT INBOX');
    assert.doesNotMatch(select.join('\n'), /HIGHESTMODSEQ/);
    assert.deepEqual(await ok(c, 'e', 'ENABLE CONDSTORE QRESYNC'), ['* ENABLED', 'e OK ENABLE completed']);
    for (const line of [
      'FETCH 1 (MODSEQ)',
      'FETCH 1 (FLAGS) (CHANGEDSINCE 1)',
      'STORE 1 (UNCHANGEDSINCE 1) +FLAGS (x)',
      'SEARCH MODSEQ 1',
      'SELECT INBOX (CONDSTORE)',
    ])
      assert.match((await run(c, 't', line)).at(-1)!, /^t BAD unknown argument/, line);
  });
});

describe('QRESYNC (RFC 7162 §3.2)', () => {
  it('SELECT (QRESYNC ...) reports VANISHED (EARLIER) and changed messages; EXPUNGE becomes VANISHED; [CLOSED]', async () => {
    const sb = await sandbox();
    await seed(sb, 'INBOX', 6);
    const a = await login(sb);
    assert.deepEqual(await ok(a, 'e', 'ENABLE QRESYNC'), ['* ENABLED QRESYNC', 'e OK ENABLE completed']);
    const select = await ok(a, 's', 'SELECT INBOX');
    const uidValidity = /UIDVALIDITY (\d+)/.exec(select.join('\n'))![1]!;
    const known = highest(select);
    await ok(a, 'u', 'UNSELECT');
    // Another session changes the mailbox meanwhile: a flag, two expunges, a new message.
    const b = await login(sb);
    await ok(b, 's', 'SELECT INBOX');
    await ok(b, 'f', 'STORE 1 +FLAGS (\\Flagged)');
    await ok(b, 'd', 'STORE 2,4 +FLAGS (\\Deleted)');
    await ok(b, 'x', 'EXPUNGE');
    await seed(sb, 'INBOX', 1);
    const resync = await ok(a, 'r', `SELECT INBOX (QRESYNC (${uidValidity} ${known} 1:6))`);
    const tail = resync.slice(resync.findIndex((l) => l.includes('HIGHESTMODSEQ')) + 1);
    assert.deepEqual(tail, [
      '* VANISHED (EARLIER) 2,4',
      `* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ (${/1 FETCH .*MODSEQ \((\d+)\)/.exec(tail[1]!)![1]}))`,
      tail[2]!,
      'r OK [READ-WRITE] SELECT completed',
    ]);
    assert.match(tail[2]!, /^\* 5 FETCH \(UID 7 FLAGS \(\\Recent\) MODSEQ \(\d+\)\)$/);
    // A wrong UIDVALIDITY: no resync data, the client starts over.
    const wrong = await ok(a, 'w', `EXAMINE INBOX (QRESYNC (${Number(uidValidity) + 99} ${known}))`);
    assert.equal(wrong[0], '* OK [CLOSED] Previous mailbox closed.');
    assert.ok(!wrong.some((l) => /VANISHED|FETCH/.test(l)), wrong.join('\n'));
    await ok(a, 's2', 'SELECT INBOX');
    // Expunges now arrive as VANISHED, never as EXPUNGE.
    await ok(b, 'n', 'NOOP');
    await ok(b, 'd2', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await ok(b, 'x2', 'EXPUNGE');
    const noop = await ok(a, 'n', 'NOOP');
    assert.deepEqual(noop, ['* VANISHED 1', 'n OK NOOP completed']);
    // With QRESYNC on, every FETCH names its UID (so VANISHED and FETCH speak of the same messages).
    assert.match((await ok(a, 'u2', 'FETCH 1 (FLAGS)'))[0]!, /^\* 1 FETCH \(UID \d+ FLAGS /);
    // UID FETCH ... (CHANGEDSINCE n VANISHED) (RFC 7162 §3.2.6).
    const fetch = await ok(a, 'v', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${known} VANISHED)`);
    assert.equal(fetch[0], '* VANISHED (EARLIER) 1:2,4');
    assert.match((await run(a, 'b', 'FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).at(-1)!, /^b BAD /);
  });

  it('past the 10,000 remembered expunges, SELECT (QRESYNC) names every missing UID of the known range', async () => {
    const sb = await sandbox();
    const drop = sb.store.maildropFor('test');
    await sb.store.createFolder(drop, 'Big');
    for (let i = 1; i <= 10_005; i++)
      await sb.store.append(drop, 'Big', Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`));
    const c = await login(sb);
    await ok(c, 'e', 'ENABLE QRESYNC');
    const select = await ok(c, 's', 'EXAMINE Big');
    const uidValidity = /UIDVALIDITY (\d+)/.exec(select.join('\n'))![1]!;
    const known = highest(select);
    await ok(c, 'u', 'UNSELECT');
    // 10,002 expunged at once: the log keeps the last 10,000, so it no longer reaches back to `known`.
    await sb.store.expunge(
      drop,
      'Big',
      Array.from({ length: 10_002 }, (_, i) => i + 2),
    );
    const resync = await ok(c, 'r', `EXAMINE Big (QRESYNC (${uidValidity} ${known} 1:10005))`);
    assert.ok(resync.includes('* VANISHED (EARLIER) 2:10003'), resync.slice(-4).join('\n'));
  });

  it('QRESYNC parameters before ENABLE QRESYNC are a BAD', async () => {
    const sb = await sandbox();
    const c = await login(sb);
    assert.match((await run(c, 's', 'SELECT INBOX (QRESYNC (1 1))')).at(-1)!, /^s BAD /);
  });

  it('modseqs and remembered expunges survive a restart with --maildir', async () => {
    const dir = tempDir();
    let sb = await sandbox({ maildir: dir });
    await seed(sb, 'INBOX', 3);
    let c = await login(sb);
    await ok(c, 'e', 'ENABLE QRESYNC');
    const select = await ok(c, 's', 'SELECT INBOX');
    const uidValidity = /UIDVALIDITY (\d+)/.exec(select.join('\n'))![1]!;
    const known = highest(select);
    await ok(c, 'f', 'STORE 3 +FLAGS ($Label1 \\Deleted)');
    // A QRESYNC client learns the new HIGHESTMODSEQ in the tagged OK (as Dovecot answers).
    assert.match(
      (await ok(c, 'x', 'UID EXPUNGE 3')).at(-1)!,
      /^x OK \[HIGHESTMODSEQ \d+\] UID EXPUNGE completed$/,
    );
    await ok(c, 'g', 'STORE 1 +FLAGS (\\Seen)');
    await seed(sb, 'INBOX', 1);
    await ok(c, 'n', 'NOOP');
    const modseqsBefore = (await ok(c, 'm', 'FETCH 1:* (MODSEQ)')).slice(0, -1);
    const highBefore = highest(await ok(c, 't', 'STATUS INBOX (HIGHESTMODSEQ)'));
    c.close();
    await sb.close();
    sb = await sandbox({ maildir: dir });
    c = await login(sb);
    await ok(c, 'e', 'ENABLE QRESYNC');
    const again = await ok(c, 's', `SELECT INBOX (QRESYNC (${uidValidity} ${known}))`);
    assert.equal(highest(again), highBefore);
    assert.ok(again.includes('* VANISHED (EARLIER) 3'), again.join('\n'));
    assert.deepEqual((await ok(c, 'm', 'FETCH 1:* (MODSEQ)')).slice(0, -1), modseqsBefore);
  });
});

describe('CREATE at once', () => {
  it('two sessions creating the same name at once: one OK, one NO, and each new mailbox a new UIDVALIDITY', async () => {
    // On a Maildir, where CREATE waits for the disk, the two really overlap.
    const sb = await sandbox({ maildir: tempDir() });
    const a = await login(sb);
    const b = await login(sb);
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      a.send(`ca CREATE Race${i}`);
      b.send(`cb CREATE Race${i}`);
      const [ra, rb] = await Promise.all([a.readUntil(/^ca /), b.readUntil(/^cb /)]);
      const oks = [ra.at(-1)!, rb.at(-1)!].filter((l) => / OK /.test(l));
      assert.equal(oks.length, 1, `${ra.at(-1)} / ${rb.at(-1)}`);
      seen.add((await sb.store.folder(sb.store.maildropFor('test'), `Race${i}`))!.uidValidity);
    }
    assert.equal(seen.size, 5);
  });
});
