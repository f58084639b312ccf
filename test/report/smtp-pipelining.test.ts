import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Sandbox } from '../../src/index.js';
import type { SessionReport } from '../../src/report/runner.js';
import { parseScenario } from '../../src/scenario/index.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { python, run } from '../helpers/run.js';
import { closedSessions } from '../helpers/findings.js';

const MESSAGE = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n';

/** The client lines of a session, with `*` after those marked pipelined. */
function clientLines(sb: Sandbox, sid: string): string[] {
  return sb.transcript
    .history(sid)
    .filter((e): e is TranscriptEvent & { type: 'client-line' } => e.type === 'client-line')
    .map((e) => (e.pipelined ? `${e.line} *` : e.line));
}

/** The findings about pipelining and refusals (STARTTLS not taken is not this test's business). */
function pipeliningFindings(s: SessionReport): string[] {
  return s.findings
    .filter((f) => f.id === 'pipelining-without-extension' || f.id === 'ignored-error')
    .map((f) => `${f.id}: ${f.message}`);
}

/** After the greeting, `burst` in one write; then `after` (one line per final reply), then QUIT. */
function rawSession(port: number, burst: string, then: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const steps = [burst, ...then, 'QUIT\r\n'];
    let buffered = '';
    let replies = 0;
    let owed = 0;
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      // RFC 5321 §4.2: "NNN " ends a reply.
      while (/^\d{3} .*\r\n/m.test(buffered)) {
        buffered = buffered.replace(/^[\s\S]*?^\d{3} .*\r\n/m, '');
        replies++;
        if (replies <= owed) continue;
        const next = steps.shift();
        if (!next) continue;
        owed = replies + next.split('\r\n').length - 2;
        socket.write(next);
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 5_000).unref();
  });
}

describe('SMTP pipelining in the findings', () => {
  let without: Sandbox;
  let withIt: Sandbox;
  let refusing: Sandbox;
  before(async () => {
    without = await startTestSandbox({
      listeners: ['smtp'],
      scenario: await parseScenario(
        'description: SMTP without PIPELINING\nsmtp:\n  capabilities: { remove: [PIPELINING] }\n',
        { label: 'test', name: 'no-pipelining' },
      ),
    });
    withIt = await startTestSandbox({ listeners: ['smtp'] });
    refusing = await startTestSandbox({
      listeners: ['smtp'],
      scenario: await parseScenario(
        [
          'description: every recipient refused',
          'smtp:',
          '  rules:',
          '    - name: no-such-user',
          '      when: { command: RCPT }',
          '      reply: { code: 550, text: "5.1.1 No such user" }',
          '',
        ].join('\n'),
        { label: 'test', name: 'refuse-rcpt' },
      ),
    });
  });
  after(async () => {
    await without.close();
    await withIt.close();
    await refusing.close();
  });

  it('a raw socket writing EHLO, MAIL and RCPT at once without PIPELINING offered: pipelining-without-extension', async () => {
    await rawSession(without.ports.smtp!, 'EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\n', ['RSET\r\n']);
    const [s] = await closedSessions(without, 0, 1);
    assert.deepEqual(clientLines(without, s!.sid), [
      'EHLO x',
      'MAIL FROM:<a@x> *',
      'RCPT TO:<b@x> *',
      'RSET',
      'QUIT',
    ]);
    const found = s!.findings.filter((f) => f.id === 'pipelining-without-extension');
    assert.equal(found.length, 1, JSON.stringify(s));
    assert.equal(found[0]!.severity, 'warn');
    const line = without.transcript.history(s!.sid)[found[0]!.line - 1]!;
    assert.equal(line.type === 'client-line' && line.line, 'MAIL FROM:<a@x>');
  });

  it('python smtplib (one command at a time) sending a message: nothing marked pipelined, no finding', async () => {
    const n = without.report().sessions.length;
    const r = await python(
      `import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.example.test')
s.sendmail('a@example.test', ['b@example.test', 'c@example.test'], sys.argv[2])
s.quit()`,
      [String(without.ports.smtp), MESSAGE],
    );
    assert.equal(r.code, 0, r.stderr);
    const [s] = await closedSessions(without, n, 1);
    const lines = clientLines(without, s!.sid);
    assert.ok(lines.includes('data') && lines.includes('quit'), lines.join('\n'));
    assert.deepEqual(
      lines.filter((l) => l.endsWith(' *')),
      [],
    );
    assert.deepEqual(pipeliningFindings(s!), []);
  });

  it('swaks --pipeline with PIPELINING offered: RCPT and DATA marked pipelined, no finding', async () => {
    const r = await run('swaks', [
      '--pipeline',
      '--server',
      '127.0.0.1',
      '--port',
      String(withIt.ports.smtp),
      '--from',
      'a@example.test',
      '--to',
      'b@example.test,c@example.test',
      '--data',
      MESSAGE.replace(/\r\n/g, '\n'),
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [s] = await closedSessions(withIt, 0, 1);
    const lines = clientLines(withIt, s!.sid);
    // swaks writes MAIL, every RCPT and DATA together (RFC 2920 §3.1), and the rest one at a time.
    assert.deepEqual(
      lines.filter((l) => l.endsWith(' *')),
      ['RCPT TO:<b@example.test> *', 'RCPT TO:<c@example.test> *', 'DATA *'],
    );
    assert.deepEqual(pipeliningFindings(s!), []);
  });

  it('swaks --pipeline with every RCPT refused: its DATA is not ignored-error', async () => {
    const r = await run('swaks', [
      '--pipeline',
      '--server',
      '127.0.0.1',
      '--port',
      String(refusing.ports.smtp),
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--data',
      MESSAGE.replace(/\r\n/g, '\n'),
    ]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /550 5\.1\.1 No such user/);
    const [s] = await closedSessions(refusing, 0, 1);
    const lines = clientLines(refusing, s!.sid);
    assert.ok(lines.includes('DATA *'), lines.join('\n'));
    assert.deepEqual(pipeliningFindings(s!), []);
  });

  it('a raw socket sending DATA after its refused RCPT came back: ignored-error', async () => {
    const n = refusing.report().sessions.length;
    await rawSession(refusing.ports.smtp!, 'EHLO x\r\n', [
      'MAIL FROM:<a@x>\r\n',
      'RCPT TO:<b@x>\r\n',
      'DATA\r\n',
    ]);
    const [s] = await closedSessions(refusing, n, 1);
    const f = s!.findings.find((x) => x.id === 'ignored-error');
    assert.ok(f, JSON.stringify(s));
    const line = refusing.transcript.history(s!.sid)[f.line - 1]!;
    assert.equal(line.type === 'client-line' && line.line, 'DATA');
  });
});
