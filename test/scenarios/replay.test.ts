import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { certPath } from '../helpers/sandbox.js';
import { firedRules, scenarioSandbox, serverLines, smtplib } from './support.js';

const open: Sandbox[] = [];
after(() => Promise.all(open.map((s) => s.close())));

/** One smtplib client: 15 messages in one session, each MAIL / RCPT / DATA answered as it comes. */
const client = `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
for i in range(15):
    if s.mail('a@example.test')[0] == 250 and s.rcpt('b%d@example.test' % i)[0] == 250:
        s.data('Subject: %d\\r\\n\\r\\nbody %d\\r\\n' % (i, i))
    s.rset()
s.quit(); report(done=True)`;

/** Server lines with the one part that legitimately differs between runs (queue ids) masked. */
async function replay(seed: number): Promise<{ lines: string[]; rules: string[] }> {
  const sb = await scenarioSandbox('flaky-10-percent', { seed });
  open.push(sb);
  assert.deepEqual(await smtplib(client, sb.ports.smtp!, certPath()), { done: true });
  assert.deepEqual(sb.scenario, { name: 'flaky-10-percent', seed, random: true });
  return { lines: serverLines(sb).map((l) => l.replace(/queued as \S+/, 'queued as <id>')), rules: firedRules(sb) };
}

describe('replay: same scenario, seed and client give the same server replies', () => {
  it('runs one client twice with seed 2024 and compares the server lines of both transcripts', async () => {
    const first = await replay(2024);
    const second = await replay(2024);
    assert.deepEqual(second.lines, first.lines);
    assert.deepEqual(second.rules, first.rules);
    // The comparison means something only if the dice did roll: some 451s among the replies.
    assert.ok(first.lines.filter((l) => l.startsWith('451 ')).length >= 1, first.lines.join('\n'));
    assert.equal(first.lines.filter((l) => l.startsWith('451 ')).length, first.rules.length);
  });
});
