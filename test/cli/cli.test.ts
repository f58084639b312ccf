import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { MAIN, startHeadless } from '../helpers/cli.js';
import { run } from '../helpers/run.js';
import { certPath, tempDir, testCertsDir } from '../helpers/sandbox.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { FLAGS } from '../../src/cli/flags.js';

describe('mailsandbox CLI', () => {
  it('--help lists every flag; --version prints the version', async () => {
    const help = await run('node', [MAIN, '--help']);
    assert.equal(help.code, 0);
    for (const name of Object.keys(FLAGS)) assert.match(help.stdout, new RegExp(`--${name}\\b`));
    const version = await run('node', [MAIN, '--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('an unknown flag or a bad value is a one-line error and exit code 2', async () => {
    for (const args of [
      ['--bogus'],
      ['--port-offset', 'x'],
      ['--user', 'nocolon'],
      ['--listeners', 'smtp,nntp'],
      ['--auth-mechanisms', 'PLAIN,NTLM'],
      ['frobnicate'],
    ]) {
      const r = await run('node', [MAIN, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^mailsandbox: /);
      if (args[0] === '--bogus' || args[0] === 'frobnicate')
        assert.match(r.stderr, /mailsandbox --help/, 'an unknown flag or command points to --help');
    }
  });

  it("the article's helpers: encode plain/login, decode, cram-md5 (RFC 2195 example)", async () => {
    assert.equal(
      (await run('node', [MAIN, 'encode', 'plain', 'test', 'testpass'])).stdout,
      'dGVzdAB0ZXN0AHRlc3RwYXNz\n',
    );
    assert.equal(
      (await run('node', [MAIN, 'encode', 'plain', 'test', 'testpass', ''])).stdout,
      'AHRlc3QAdGVzdHBhc3M=\n',
    );
    assert.equal((await run('node', [MAIN, 'encode', 'login', 'test'])).stdout, 'dGVzdA==\n');
    assert.equal(
      (await run('node', [MAIN, 'decode', 'dGVzdAB0ZXN0AHRlc3RwYXNz'])).stdout,
      'test\\0test\\0testpass\n',
    );
    // RFC 2195 §2: tim / tanstaaftanstaaf / <1896.697170952@postoffice.reston.mci.net>
    const challenge = Buffer.from('<1896.697170952@postoffice.reston.mci.net>').toString('base64');
    const answer = (
      await run('node', [MAIN, 'cram-md5', 'tim', 'tanstaaftanstaaf', challenge])
    ).stdout.trim();
    assert.equal(Buffer.from(answer, 'base64').toString(), 'tim b913a602c7eda7a495b4e6e7334d3890');
    // The article's IMAP example.
    const imap = await run('node', [
      MAIN,
      'cram-md5',
      'test',
      'testpass',
      'PDgxOTAyMjA2NTYwNzcyMzEuMTQxNDc5NzA3MkBtYWlsLnNlcnZlci5uZXQ+',
    ]);
    assert.equal(imap.stdout.trim(), 'dGVzdCA1YTZlNjYwMDlmZGJlZWNjYWRlNDY5M2FlMjU5YTA2ZQ==');
  });

  it('headless: JSON listening lines, transcript lines, SIGTERM closes and flushes, exit 0', async () => {
    const record = tempDir();
    testCertsDir();
    const headless = startHeadless([
      '--ephemeral-ports',
      '--certs-dir',
      testCertsDir(),
      '--record',
      record,
      '--listeners',
      'smtp,smtps',
    ]);
    const { child } = headless;
    try {
      await headless.waitOut(/"name":"smtps"/);
      const listening = headless.records().filter((l) => l.event === 'listening');
      assert.deepEqual(
        listening.map((l) => [l.proto, l.name, l.tls]),
        [
          ['smtp', 'smtp', 'starttls'],
          ['smtp', 'smtps', 'implicit'],
        ],
      );
      const port = listening[0]!.port as number;
      const curl = await run('curl', [
        '-sS',
        `smtp://127.0.0.1:${port}`,
        '--ssl-reqd',
        '--cacert',
        certPath(),
        '--user',
        'u:p',
        '--request',
        'NOOP',
      ]);
      assert.equal(curl.code, 0, curl.stderr);
      await headless.waitOut(/"event":"session-close"/, 5_000);
      const lines = headless.records();
      const out = headless.out;
      assert.ok(
        lines.some((l) => l.event === 'client-line' && String(l.line).startsWith('AUTH ')),
        out,
      );
      // curl picks CRAM-MD5: the answer after the challenge is the decoded line.
      const decoded = lines.find((l) => l.event === 'client-line' && /user="u"/.test(String(l.decoded)));
      assert.ok(decoded, out);
      assert.equal(decoded.proto, 'smtp');
      assert.equal(decoded.dir, 'C');
      assert.match(String(decoded.sid), /^smtp#\d+$/);
      child.kill('SIGTERM');
      assert.equal((await headless.exited).code, 0);
      assert.ok(readdirSync(record).some((f) => f.endsWith('.txt')));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--pretty into a file (no terminal) writes no colour codes', async () => {
    const headless = startHeadless(
      ['--pretty', '--ephemeral-ports', '--certs-dir', testCertsDir(), '--listeners', 'smtp'],
      { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined },
    );
    const { child } = headless;
    try {
      await headless.waitOut(/listening/);
      child.kill('SIGTERM');
      await headless.exited;
      assert.match(headless.out, /listening/);
      assert.doesNotMatch(headless.out, /\x1b\[/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('Ctrl-C while the sandbox is still starting exits 0, like later', async () => {
    // The scenario file is a FIFO: startup waits in loadScenario until the test writes it, so the
    // signal certainly arrives before anything listens.
    const fifo = join(tempDir(), 'slow.yaml');
    assert.equal((await run('mkfifo', [fifo])).code, 0);
    const headless = startHeadless(['--ephemeral-ports', '--certs-dir', testCertsDir(), '--scenario', fifo]);
    const { child } = headless;
    try {
      // Startup is inside loadScenario once a thread of the child waits to open the FIFO (Linux
      // names that wait wait_for_partner).
      const holdsFifo = () => {
        try {
          return readdirSync(`/proc/${child.pid}/task`).some((tid) => {
            try {
              return readFileSync(`/proc/${child.pid}/task/${tid}/wchan`, 'utf8') === 'wait_for_partner';
            } catch {
              return false;
            }
          });
        } catch {
          return false;
        }
      };
      const deadline = Date.now() + 15_000;
      while (!holdsFifo() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(holdsFifo(), 'the child reads the scenario');
      assert.equal(headless.out, '', 'nothing listens yet');
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      // Non-blocking: a process that died by the signal has no reader on the FIFO (ENXIO).
      try {
        const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        writeSync(fd, 'description: slow to read\n');
        closeSync(fd);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      }
      assert.deepEqual(await headless.exited, { code: 0, signal: null });
      assert.match(headless.out, /"event":"stopping","signal":"SIGINT"/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a port that is taken is reported with the reason; the other listeners still start', async () => {
    const sb = await startTestSandbox({ listeners: ['smtp'] });
    try {
      const taken = sb.ports.smtp! - 25;
      const headless = startHeadless([
        '--port-offset',
        String(taken),
        '--certs-dir',
        testCertsDir(),
        '--listeners',
        'smtp,submission',
      ]);
      await headless.waitOut(/"name":"submission"/);
      headless.child.kill('SIGTERM');
      await headless.exited;
      assert.match(headless.out, /"event":"listen-failed".*EADDRINUSE/);
      assert.match(headless.out, /"event":"listening","proto":"smtp","name":"submission"/);
    } finally {
      await sb.close();
    }
  });

  it('scenarios lists the shipped ones; validate checks a file; a bad --scenario stops before listening', async () => {
    const list = await run('node', [MAIN, 'scenarios']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^greylisting {2,}\S.+$/m);
    assert.ok(list.stdout.trim().split('\n').length >= 20);
    const ok = await run('node', [MAIN, 'validate', 'scenarios/greylisting.yaml']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /greylisting\.yaml: valid/);
    const bad = join(tempDir(), 'bad.yaml');
    writeFileSync(bad, 'description: x\nsmtp:\n  rulez: []\n');
    const invalid = await run('node', [MAIN, 'validate', bad]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /bad\.yaml:3:3: smtp\.rulez: unknown key/);
    const refused = await run('node', [MAIN, '--no-tui', '--ephemeral-ports', '--scenario', bad]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '', 'nothing may listen');
  });

  it("validate: exit 2, one line per problem in the order of the file, the trial's mistakes named", async () => {
    const file = join(tempDir(), 'trial.yaml');
    writeFileSync(
      file,
      [
        'description: trial',
        'smtp:',
        '  grreting: hi',
        '  rules:',
        '    - name: typo',
        '      when: { command: RCTP, nth: 2 }',
        '      reply: { code: "452", text: x }',
        'imap:',
        '  rules:',
        '    - name: wrong-key',
        '      when: { command: FETCH }',
        '      err: { text: nope }',
      ].join('\n'),
    );
    const result = await run('node', [MAIN, 'validate', file]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.deepEqual(
      result.stderr
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^mailsandbox: .*trial\.yaml:/, '').replace(/ \(HELO.*$/, '')),
      [
        '3:3: smtp.grreting: unknown key (allowed: users, auth, greeting, hostname, capabilities, starttls, size, rules)',
        '6:24: smtp.rules[0].when.command: RCTP is not an SMTP command',
        '7:22: smtp.rules[0].reply.code: "452" is a string; write 452 (without quotes)',
        '12:7: imap.rules[0].err: err is a POP3 reply; IMAP rules use no: or bad:',
      ],
    );
  });

  it('validate: an oversized file and an alias bomb are exit 2 with file:line, not a crash', async () => {
    const dir = tempDir();
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `description: d\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const tooBig = await run('node', [MAIN, 'validate', big]);
    assert.equal(tooBig.code, 2, tooBig.stderr);
    assert.match(
      tooBig.stderr,
      /^mailsandbox: .*big\.yaml: the file is \d+ bytes; a scenario file may be at most 1048576/,
    );
    const bomb = join(dir, 'bomb.yaml');
    const lines = ['description: d', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefghi')
      lines.push(
        `${name}: &${name} [${Array(10)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    writeFileSync(bomb, lines.join('\n'));
    const refused = await run('node', [MAIN, 'validate', bomb]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /^mailsandbox: .*bomb\.yaml:3:8: aliases \(\*name\) expand to more than 100/,
    );
  });

  it('is the bin of the package (npx mailsandbox)', () => {
    assert.ok(existsSync(MAIN));
    assert.ok(join(MAIN).endsWith('dist/src/cli/main.js'));
  });
});
