import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAuthPolicy } from '../../src/auth/policy.js';
import { runSasl, type SaslRequest, type SaslResult } from '../../src/auth/sasl.js';
import type { UserDirectory } from '../../src/auth/verify.js';

/** A scripted client: the lines it answers with, and what the driver sent and recorded. */
function exchange(lines: string[], request: Partial<SaslRequest> & { mechanism: string }, ask = 'proceed') {
  const seen = {
    challenges: [] as string[],
    readings: [] as string[],
    auth: [] as string[],
    notes: [] as string[],
  };
  const wire = {
    challenge: (base64: string) => void seen.challenges.push(Buffer.from(base64, 'base64').toString()),
    nextLine: (describe: (line: string) => string) => {
      const line = lines.shift() ?? null;
      if (line !== null) seen.readings.push(describe(line));
      return Promise.resolve(line);
    },
    askAuth: () => Promise.resolve(ask as 'proceed' | 'stop'),
  };
  const users: UserDirectory = { mode: 'users', users: new Map([['alice', 'wonderland']]) };
  const result: Promise<SaslResult> = runSasl(wire, {
    initial: undefined,
    policy: decideAuthPolicy({}, {}, false, ['PLAIN', 'LOGIN', 'OAUTHBEARER', 'XOAUTH2']),
    secure: false,
    users,
    hostname: 'sandbox.test',
    audit: {
      auth: (m, u, ok) => void seen.auth.push(`${m} ${u} ${ok}`),
      note: (_level, text) => void seen.notes.push(text),
    },
    ...request,
  });
  return { result, seen };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('the SASL driver (src/auth/sasl.ts), the same for SMTP, IMAP and POP3', () => {
  it('LOGIN without an initial response: payload 0 is read as the user, payload 1 as the password', async () => {
    const { result, seen } = exchange([b64('alice'), b64('wonderland')], { mechanism: 'login' });
    assert.deepEqual(await result, { kind: 'accepted', mechanism: 'LOGIN', username: 'alice' });
    assert.deepEqual(seen.challenges, ['Username:', 'Password:']);
    assert.deepEqual(seen.readings, ['user="alice"', 'password="wonderland"']);
    assert.deepEqual(seen.auth, ['LOGIN alice true']);
  });

  it('PLAIN as an initial response; `=` (empty) gets an empty challenge first (RFC 4422 §3.3)', async () => {
    const wrong = exchange([], { mechanism: 'PLAIN', initial: b64('\0alice\0wrong') });
    assert.deepEqual(await wrong.result, { kind: 'refused', mechanism: 'PLAIN', username: 'alice' });
    const empty = exchange([b64('\0alice\0wonderland')], { mechanism: 'PLAIN', initial: '=' });
    assert.deepEqual(await empty.result, { kind: 'accepted', mechanism: 'PLAIN', username: 'alice' });
    assert.deepEqual(empty.seen.challenges, ['']);
    assert.deepEqual(empty.seen.readings, ['authzid="" user="alice" password="wonderland"']);
  });

  it('`*` cancels, a response that is not base64 is malformed, a closed connection ends it', async () => {
    assert.deepEqual(await exchange(['*'], { mechanism: 'LOGIN' }).result, { kind: 'cancelled' });
    assert.equal((await exchange(['not base64!'], { mechanism: 'LOGIN' }).result).kind, 'malformed');
    assert.equal((await exchange(['%%'], { mechanism: 'PLAIN', initial: '%%' }).result).kind, 'malformed');
    assert.deepEqual(await exchange([], { mechanism: 'LOGIN' }).result, { kind: 'closed' });
  });

  it('the policy decides: a mechanism not accepted is unsupported; TLS first refuses every mechanism before it', async () => {
    assert.deepEqual(await exchange([], { mechanism: 'CRAM-MD5' }).result, {
      kind: 'unsupported',
      mechanism: 'CRAM-MD5',
    });
    const policy = decideAuthPolicy({ requireTls: true }, {}, false);
    assert.deepEqual(await exchange([], { mechanism: 'PLAIN', policy }).result, { kind: 'tls-required' });
  });

  it("the scenario's verdict at auth answers instead: no check, the login is recorded as refused", async () => {
    const { result, seen } = exchange(
      [],
      { mechanism: 'PLAIN', initial: b64('\0alice\0wonderland') },
      'stop',
    );
    assert.deepEqual(await result, { kind: 'answered' });
    assert.deepEqual(seen.auth, ['PLAIN alice false']);
  });

  it('a refused token gets the error challenge and the client answer before the refusal (RFC 7628 §3.2.2)', async () => {
    const initial = b64('n,a=alice,\x01auth=Bearer stolen\x01\x01');
    const { result, seen } = exchange(['AQ=='], { mechanism: 'OAUTHBEARER', initial });
    assert.deepEqual(await result, { kind: 'refused', mechanism: 'OAUTHBEARER', username: 'alice' });
    assert.equal(JSON.parse(seen.challenges[0]!).status, 'invalid_token');
    assert.deepEqual(seen.readings, ['client acknowledged the error']);
    const xoauth2 = exchange(['AQ=='], {
      mechanism: 'XOAUTH2',
      initial: b64('user=alice\x01auth=Bearer stolen\x01\x01'),
    });
    assert.equal((await xoauth2.result).kind, 'refused');
    assert.equal(JSON.parse(xoauth2.seen.challenges[0]!).status, '401');
  });
});
