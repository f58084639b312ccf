import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SaslStep } from '../../src/auth/mechanism.js';
import { anonymous } from '../../src/auth/mechanisms/anonymous.js';
import { digestMd5, digestResponse } from '../../src/auth/mechanisms/digest-md5.js';
import { oauthBearer } from '../../src/auth/mechanisms/oauthbearer.js';
import { scramSha1, scramSha256 } from '../../src/auth/mechanisms/scram.js';
import { findMechanism } from '../../src/auth/registry.js';
import { verifyCredentials } from '../../src/auth/verify.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const challengeText = (step: SaslStep): string => {
  assert.equal(step.kind, 'challenge', JSON.stringify(step));
  return step.kind === 'challenge' ? step.data.toString('utf8') : '';
};
const users = (table: Record<string, string>) => ({
  mode: 'users' as const,
  users: new Map(Object.entries(table)),
});
const lookup = (table: Record<string, string>) => (u: string) => table[u] ?? null;

describe('SCRAM-SHA-1 against RFC 5802 §5', () => {
  const ctx = { hostname: 'h', passwordOf: lookup({ user: 'pencil' }) };
  const run = (proof: string) => {
    const ex = scramSha1.createWith(ctx, {
      serverNonce: '3rfcNHYJY1ZVvWVs7j',
      salt: Buffer.from('QSXCR+Q6sek8bf92', 'base64'),
      iterations: 4096,
    });
    const first = challengeText(ex.start(b('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL')));
    assert.equal(first, 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
    return ex.step(b(`c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=${proof}`));
  };

  it('checks the client proof and sends the RFC server signature', () => {
    const ex = scramSha1.createWith(ctx, {
      serverNonce: '3rfcNHYJY1ZVvWVs7j',
      salt: Buffer.from('QSXCR+Q6sek8bf92', 'base64'),
    });
    ex.start(b('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
    const final = ex.step(
      b('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='),
    );
    assert.equal(challengeText(final), 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
    const done = ex.step(Buffer.alloc(0));
    assert.equal(done.kind, 'done');
    if (done.kind !== 'done') return;
    assert.deepEqual(done.credentials, { mechanism: 'SCRAM-SHA-1', username: 'user', proof: 'valid' });
    assert.equal(verifyCredentials(users({ user: 'pencil' }), done.credentials), true);
  });

  it('refuses a wrong proof', () => {
    const done = run('AAAAv3Bz2T0CJGbJQyF0X+HI4Ts=');
    assert.equal(done.kind, 'done');
    if (done.kind !== 'done') return;
    assert.equal(verifyCredentials(users({ user: 'pencil' }), done.credentials), false);
  });
});

describe('SCRAM-SHA-256 against RFC 7677 §3', () => {
  it('checks the client proof and sends the RFC server signature', () => {
    const ex = scramSha256.createWith(
      { hostname: 'h', passwordOf: lookup({ user: 'pencil' }) },
      {
        serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
        salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
      },
    );
    const first = challengeText(ex.start(b('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')));
    assert.equal(
      first,
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const final = ex.step(
      b(
        'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      ),
    );
    assert.equal(challengeText(final), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    const done = ex.step(Buffer.alloc(0));
    assert.equal(done.kind === 'done' && done.credentials.mechanism === 'SCRAM-SHA-256', true);
  });

  it('accepts any proof in accept-any mode but marks it unchecked', () => {
    const ex = scramSha256.create({ hostname: 'h' });
    const first = challengeText(ex.start(b('n,,n=bob,r=abc')));
    const nonce = /^r=([^,]+)/.exec(first)![1]!;
    challengeText(ex.step(b(`c=biws,r=${nonce},p=AAAA`)));
    const done = ex.step(Buffer.alloc(0));
    assert.equal(done.kind, 'done');
    if (done.kind === 'done') {
      assert.deepEqual(done.credentials, { mechanism: 'SCRAM-SHA-256', username: 'bob', proof: 'unchecked' });
      assert.equal(verifyCredentials({ mode: 'accept-any' }, done.credentials), true);
    }
  });

  it('refuses a nonce the server did not issue and channel binding', () => {
    const ex = scramSha256.create({ hostname: 'h' });
    ex.start(b('n,,n=bob,r=abc'));
    assert.equal(ex.step(b('c=biws,r=abcXYZ,p=AAAA')).kind, 'fail');
    assert.equal(scramSha256.create({ hostname: 'h' }).start(b('p=tls-unique,,n=bob,r=abc')).kind, 'fail');
  });
});

describe('DIGEST-MD5 against RFC 2831 §4', () => {
  // The example of RFC 2831 §4 (IMAP): user chris, password secret.
  const fields = {
    username: 'chris',
    realm: 'elwood.innosoft.com',
    password: 'secret',
    nonce: 'OA6MG9tEQGm2hh',
    cnonce: 'OA6MHXh6VqTrRk',
    nc: '00000001',
    qop: 'auth',
    digestUri: 'imap/elwood.innosoft.com',
  };
  const response =
    'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,' +
    'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth';

  it('computes the RFC response and rspauth values', () => {
    assert.equal(digestResponse(fields, 'AUTHENTICATE'), 'd388dad90d4bbd760a152321f2143af7');
    assert.equal(digestResponse(fields, ''), 'ea40f60335c427b5527b84dbabcdfffd');
  });

  it('runs the exchange: unquoted md5-sess challenge, rspauth, then success', () => {
    const ex = digestMd5.createWith(
      { hostname: 'elwood.innosoft.com', passwordOf: lookup({ chris: 'secret' }) },
      { nonce: 'OA6MG9tEQGm2hh' },
    );
    const challenge = challengeText(ex.start(null));
    assert.match(challenge, /nonce="OA6MG9tEQGm2hh"/);
    assert.match(challenge, /(^|,)algorithm=md5-sess($|,)/);
    assert.equal(challengeText(ex.step(b(response))), 'rspauth=ea40f60335c427b5527b84dbabcdfffd');
    const done = ex.step(Buffer.alloc(0));
    assert.equal(done.kind, 'done');
    if (done.kind === 'done') {
      assert.deepEqual(done.credentials, { mechanism: 'DIGEST-MD5', username: 'chris', proof: 'valid' });
      assert.equal(verifyCredentials(users({ chris: 'secret' }), done.credentials), true);
    }
  });

  it('refuses a response made with another password', () => {
    const ex = digestMd5.createWith(
      { hostname: 'elwood.innosoft.com', passwordOf: lookup({ chris: 'other' }) },
      { nonce: 'OA6MG9tEQGm2hh' },
    );
    ex.start(null);
    const done = ex.step(b(response));
    assert.equal(
      done.kind === 'done' && verifyCredentials(users({ chris: 'other' }), done.credentials),
      false,
    );
  });
});

describe('OAUTHBEARER (RFC 7628 §4.1) and ANONYMOUS (RFC 4505)', () => {
  it('reads user and token from the RFC example', () => {
    const initial = b(
      'n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01',
    );
    const done = oauthBearer.create({ hostname: 'h' }).start(initial);
    assert.deepEqual(done, {
      kind: 'done',
      credentials: {
        mechanism: 'OAUTHBEARER',
        username: 'user@example.com',
        token: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==',
      },
    });
    const why = { error: 'invalid_token', scope: 'mail' } as const;
    assert.deepEqual(JSON.parse(oauthBearer.errorChallenge!(why).toString()).status, 'invalid_token');
  });

  it('takes ANONYMOUS trace data, and refuses it in users mode without an "anonymous" user', () => {
    const done = anonymous.create({ hostname: 'h' }).start(b('sirhc'));
    assert.equal(done.kind, 'done');
    if (done.kind !== 'done') return;
    assert.deepEqual(done.credentials, { mechanism: 'ANONYMOUS', username: 'anonymous', trace: 'sirhc' });
    assert.equal(verifyCredentials(users({ chris: 'x' }), done.credentials), false);
    assert.equal(verifyCredentials({ mode: 'accept-any' }, done.credentials), true);
    assert.equal(anonymous.create({ hostname: 'h' }).start(b('x'.repeat(256))).kind, 'fail');
  });

  it('registers every new mechanism by wire name', () => {
    for (const name of ['DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'OAUTHBEARER', 'ANONYMOUS'])
      assert.equal(findMechanism(name.toLowerCase())?.name, name);
  });
});
