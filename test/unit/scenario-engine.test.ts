import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_OAUTH } from '../../src/auth/oauth.js';
import { ScenarioEngine, parseScenario, type DecisionContext } from '../../src/scenario/index.js';
import { TranscriptBus } from '../../src/transcript/bus.js';

const scenario = (yaml: string) => parseScenario(yaml, { label: 'test.yaml', name: 'test' });
const smtp = (sid: string, extra: Partial<DecisionContext> = {}): DecisionContext => ({
  sid,
  proto: 'smtp',
  ...extra,
});

const flaky = `
description: 10 % of RCPT fail
smtp:
  rules:
    - name: flaky-rcpt
      when: { command: RCPT, probability: 0.1 }
      reply: { code: 451, text: "4.3.0 try again" }
`;

function fired(engine: ScenarioEngine, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++)
    if (engine.decide('command', smtp('s1', { command: 'RCPT' })).kind !== 'pass') count++;
  return count;
}

describe('scenario engine', () => {
  it('a 10 % rule over 1,000 decisions with a fixed seed fires the same number of times, near 100', async () => {
    const s = await scenario(flaky);
    const first = fired(new ScenarioEngine(s, { seed: 7 }), 1000);
    const second = fired(new ScenarioEngine(s, { seed: 7 }), 1000);
    assert.equal(first, second);
    assert.ok(first >= 70 && first <= 130, `fired ${first} times`);
    const other = fired(new ScenarioEngine(s, { seed: 8 }), 1000);
    assert.ok(other >= 70 && other <= 130, `fired ${other} times with seed 8`);
  });

  it('publishes each non-pass verdict as a scenario-action naming the rule', async () => {
    const bus = new TranscriptBus(100, 200);
    const engine = new ScenarioEngine(
      await scenario(`
description: d
smtp:
  rules:
    - name: second-rcpt-fails
      when: { command: RCPT, nth: 2 }
      reply: { code: 452, text: "4.5.3 Too many recipients" }
`),
      { seed: 1, bus },
    );
    assert.equal(engine.decide('command', smtp('s', { command: 'RCPT' })).kind, 'pass');
    const v = engine.decide('command', smtp('s', { command: 'RCPT' }));
    assert.deepEqual(v, {
      kind: 'refuse',
      rule: 'second-rcpt-fails',
      delayMs: 0,
      replyCode: 452,
      code: null,
      lines: ['4.5.3 Too many recipients'],
      invalid: false,
      close: false,
    });
    assert.equal(engine.decide('command', smtp('s', { command: 'RCPT' })).kind, 'pass');
    const events = bus.history().filter((e) => e.type === 'scenario-action');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type === 'scenario-action' && events[0]!.rule, 'second-rcpt-fails');
  });

  it('greylisting: first attempt per client/sender/recipient fails, across sessions', async () => {
    const engine = new ScenarioEngine(
      await scenario(`
description: g
smtp:
  rules:
    - name: greylist
      when: { command: RCPT, first: 1, per: [client, sender, recipient] }
      reply: { code: 451, text: "4.7.1 later" }
`),
    );
    const rcpt = (sid: string, recipient: string) =>
      engine.decide('command', smtp(sid, { command: 'RCPT', client: '127.0.0.1', sender: 'a@x', recipient }))
        .kind;
    assert.equal(rcpt('s1', 'b@y'), 'refuse');
    assert.equal(rcpt('s1', 'c@y'), 'refuse');
    assert.equal(rcpt('s2', 'b@y'), 'pass');
    assert.equal(rcpt('s2', 'c@y'), 'pass');
  });

  it('matches arguments, users and mechanisms; delays with seeded jitter; policies merge per protocol', async () => {
    const s = await scenario(`
description: m
auth:
  mechanisms: [PLAIN, LOGIN]
  requireTls: true
smtp:
  auth:
    afterTls: { mechanisms: [PLAIN, SCRAM-SHA-256], accept: [SCRAM-SHA-256] }
  rules:
    - name: bob-fails
      when: { point: auth, user: Bob, mechanism: plain }
      reply: { code: 535, text: "5.7.8 no" }
    - name: slow-to-example
      when: { command: RCPT, args: "@example\\\\.com>" }
      delay: { ms: 100, jitterMs: 50 }
`);
    const engine = new ScenarioEngine(s, { seed: 3 });
    assert.equal(engine.decide('auth', smtp('a', { user: 'bob', mechanism: 'LOGIN' })).kind, 'pass');
    assert.equal(engine.decide('auth', smtp('a', { user: 'bob', mechanism: 'PLAIN' })).kind, 'refuse');
    assert.equal(
      engine.decide('command', smtp('a', { command: 'RCPT', args: 'TO:<x@example.org>' })).kind,
      'pass',
    );
    const delays = [1, 2, 3].map((i) =>
      engine.decide('command', smtp(`d${i}`, { command: 'RCPT', args: 'TO:<x@example.com>' })),
    );
    for (const d of delays) assert.ok(d.kind === 'delay' && d.delayMs >= 50 && d.delayMs <= 150);
    const again = new ScenarioEngine(s, { seed: 3 });
    again.decide('auth', smtp('a', {}));
    const replay = [1, 2, 3].map((i) =>
      again.decide('command', smtp(`d${i}`, { command: 'RCPT', args: 'TO:<x@example.com>' })),
    );
    assert.deepEqual(replay, delays);
    assert.deepEqual(engine.authPolicy('smtp', false), {
      advertised: [],
      accepted: [],
      requireTls: true,
      plaintext: false,
      apop: false,
      oauth: DEFAULT_OAUTH,
      failure: null,
    });
    // SMTP after TLS accepts only SCRAM: LOGIN/USER-PASS (SASL PLAIN, as Dovecot runs them) and APOP are off.
    assert.deepEqual(engine.authPolicy('smtp', true), {
      advertised: ['PLAIN', 'SCRAM-SHA-256'],
      accepted: ['SCRAM-SHA-256'],
      requireTls: true,
      plaintext: false,
      apop: false,
      oauth: DEFAULT_OAUTH,
      failure: null,
    });
    assert.deepEqual(engine.authPolicy('imap', true).advertised, ['PLAIN', 'LOGIN']);
    assert.equal(engine.authPolicy('imap', true).plaintext, true);
    const open = new ScenarioEngine(await scenario('description: defaults'), {});
    assert.deepEqual(
      [open.authPolicy('pop3', false).plaintext, open.authPolicy('pop3', false).apop],
      [true, true],
    );
  });

  it('the built-in accept-all engine answers pass at every point, and says it is built in', async () => {
    const { defaultScenario } = await import('../../src/scenario/index.js');
    const engine = new ScenarioEngine(defaultScenario(), { builtIn: true });
    assert.equal(engine.builtIn, true);
    for (const proto of ['smtp', 'imap', 'pop3'] as const)
      for (const point of ['connect', 'greeting', 'command', 'auth', 'fetch'] as const)
        assert.equal(engine.decide(point, { sid: `${proto}#1`, proto, command: 'NOOP' }).kind, 'pass');
  });

  it("a session's random stream is fixed at its first question, also at a point no rule has", async () => {
    const s = await scenario(`
description: d
imap:
  rules:
    - name: coin
      when: { command: NOOP, probability: 0.5 }
      no: { text: heads }
`);
    const imap = (sid: string): DecisionContext => ({ sid, proto: 'imap', command: 'NOOP' });
    const flips = (engine: ScenarioEngine, sid: string) =>
      Array.from({ length: 32 }, () => engine.decide('command', imap(sid)).kind).join();
    // A asks first (at connect, where no rule is), so A gets the protocol's first stream.
    const asked = new ScenarioEngine(s, { seed: 3 });
    asked.decide('connect', imap('A'));
    asked.decide('connect', imap('B'));
    const bFirst = flips(asked, 'B');
    const alone = new ScenarioEngine(s, { seed: 3 });
    assert.equal(flips(alone, 'A'), flips(asked, 'A'));
    assert.notEqual(bFirst, flips(new ScenarioEngine(s, { seed: 3 }), 'B'));
  });
});
