import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { startSandbox } from '../../src/index.js';
import { certPath, startTestSandbox, tempDir } from '../helpers/sandbox.js';
import { sampleMessage, sendMail } from '../helpers/smtp.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** A TLS session whose client records its own key-log lines, to compare with the server's file. */
async function tlsSessionKeys(port: number, starttls: boolean): Promise<string[]> {
  const lines: string[] = [];
  const ca = readFileSync(certPath(), 'utf8');
  const secureOver = (socket?: net.Socket) => {
    const secure = tls.connect({ socket, host: '127.0.0.1', port, ca, servername: 'localhost' });
    secure.on('keylog', (l) => lines.push(l.toString().trim()));
    return secure;
  };
  /** Handshake, QUIT, and wait for the server to close. */
  const quit = async (secure: tls.TLSSocket) => {
    await new Promise((r, j) => secure.once('secureConnect', r).once('error', j));
    secure.end('QUIT\r\n');
    await new Promise((r) =>
      secure
        .once('close', r)
        .on('error', () => {})
        .resume(),
    );
  };
  if (starttls) {
    const c = await RawClient.connect(port);
    await c.readLine();
    c.send('EHLO keylog.test');
    await c.readUntil(/^250 /);
    c.send('STARTTLS');
    assert.match(await c.readLine(), /^220 /);
    c.socket.removeAllListeners('data');
    await quit(secureOver(c.socket));
  } else {
    await quit(secureOver());
  }
  return lines;
}

describe('files the sandbox writes', () => {
  it('--keylog holds the key-log lines of implicit-TLS and STARTTLS sessions', async () => {
    const keylog = join(tempDir(), 'keys.log');
    const sb = await startTestSandbox({ keylogFile: keylog });
    try {
      const implicit = await tlsSessionKeys(sb.ports.smtps!, false);
      const starttls = await tlsSessionKeys(sb.ports.smtp!, true);
      assert.ok(implicit.length >= 4 && starttls.length >= 4, 'the clients saw TLS 1.3 key material');
      await sb.close();
      const file = readFileSync(keylog, 'utf8').split('\n');
      for (const line of [...implicit, ...starttls])
        assert.ok(file.includes(line), `server key log lacks ${line.slice(0, 60)}`);
      assert.equal(statSync(keylog).mode & 0o777, 0o600);
    } finally {
      await sb.close();
    }
  });

  it('--record writes a telnet-style .txt and a .jsonl per session, flushed as it goes', async () => {
    const dir = tempDir();
    const sb = await startTestSandbox({ record: dir });
    try {
      await sendMail({
        port: sb.ports.smtp!,
        tls: 'starttls',
        auth: { user: 'test', pass: 'testpass', method: 'PLAIN' },
        raw: sampleMessage(),
      });
      const txt = await waitFor(() => {
        const f = readdirSync(dir).find((n) => n.endsWith('.txt'));
        return f && readFileSync(join(dir, f), 'utf8').includes('-- session closed:')
          ? readFileSync(join(dir, f), 'utf8')
          : null;
      }, 'the transcript file');
      assert.match(txt, /^\d\d:\d\d:\d\d\.\d{3} S: 220 mailsandbox\.localhost ESMTP/m);
      assert.match(txt, /C: AUTH PLAIN \S+ {4}\[decoded: authzid="" user="test" password="testpass"\]/);
      assert.match(txt, /-- TLS upgraded \(STARTTLS\): TLSv1\.3/);
      assert.match(txt, /C: <message body: \d+ bytes>/);
      const jsonl = readdirSync(dir).find((n) => n.endsWith('.jsonl'))!;
      const events = readFileSync(join(dir, jsonl), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      assert.equal(events[0]!.type, 'session-open');
      assert.ok(events.some((e) => e.type === 'message-stored'));
    } finally {
      await sb.close();
    }
  });

  it('--maildir keeps messages across restarts and loads mail dropped in by hand', async () => {
    const maildir = tempDir();
    const raw = sampleMessage('persisted');
    let sb = await startTestSandbox({ maildir });
    let uidValidity: number;
    try {
      await sendMail({ port: sb.ports.smtp!, raw });
      const inbox = (await sb.store.folder('shared', 'INBOX'))!;
      uidValidity = inbox.uidValidity;
    } finally {
      await sb.close();
    }
    const cur = join(maildir, 'shared', 'cur');
    assert.equal(readdirSync(cur).length, 1);
    writeFileSync(
      join(maildir, 'shared', 'new', '1700000000.M1P1.elsewhere'),
      'Subject: dropped in\r\n\r\nhi\r\n',
    );
    sb = await startTestSandbox({ maildir });
    try {
      const inbox = (await sb.store.folder('shared', 'INBOX'))!;
      assert.equal(inbox.uidValidity, uidValidity);
      assert.equal(inbox.messages.length, 2);
      assert.ok(inbox.messages[0]!.raw.equals(raw));
      assert.deepEqual(
        inbox.messages.map((m) => m.uid),
        [1, 2],
      );
    } finally {
      await sb.close();
    }
  });

  it('makes a certificate once (key 0600), reuses it, and remakes it when names change', async () => {
    const certsDir = tempDir();
    const a = await startSandbox({ portOffset: 'ephemeral', certsDir, listeners: ['smtp'] });
    await a.close();
    assert.equal(a.certificate.generated, true);
    assert.equal(statSync(join(certsDir, 'key.pem')).mode & 0o777, 0o600);
    const b = await startSandbox({ portOffset: 'ephemeral', certsDir, listeners: ['smtp'] });
    await b.close();
    assert.equal(b.certificate.generated, false);
    assert.equal(b.certificate.fingerprint256, a.certificate.fingerprint256);
    const c = await startSandbox({
      portOffset: 'ephemeral',
      certsDir,
      listeners: ['smtp'],
      hostname: 'other.example.test',
    });
    await c.close();
    assert.equal(c.certificate.generated, true);
    const x509 = new (await import('node:crypto')).X509Certificate(readFileSync(join(certsDir, 'cert.pem')));
    for (const name of [
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'DNS:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
      'DNS:other.example.test',
    ]) {
      assert.ok(x509.subjectAltName?.includes(name), `${name} missing from ${x509.subjectAltName}`);
    }
  });
});
