import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TranscriptBus } from '../../src/transcript/bus.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { readServerLine } from '../../src/ui/classify.js';
import { chunkActions, keyToAction, PLAIN_KEY, type Action, type InputMode } from '../../src/ui/keys.js';
import { wrapSegments } from '../../src/ui/layout.js';
import { visible } from '../../src/transcript/visible.js';
import { DEFAULT_UI_LIMITS, TranscriptModel } from '../../src/ui/model.js';
import { colorsWanted, makeTheme } from '../../src/ui/theme.js';
import { FakeSessions } from './fixtures.js';
import { renderApp } from './render-app.js';

/** 10,000 events: `sessions` SMTP sessions taking turns, each opened, talking, some closed. */
function tenThousandEvents(sessions: number): TranscriptEvent[] {
  const bus = new TranscriptBus(20_000);
  const out: TranscriptEvent[] = [];
  bus.subscribe((e) => out.push(e));
  const fake = new FakeSessions(bus);
  for (let s = 1; s <= sessions; s++) fake.open(`smtp#${s}`, 'smtp', 'smtp');
  let i = 0;
  while (out.length < 10_000 - sessions) {
    const sid = `smtp#${(i % sessions) + 1}`;
    if (i % 2) fake.client(sid, 'smtp', `RCPT TO:<u${i}@example.test>`);
    else fake.server(sid, 'smtp', i % 10 === 0 ? '452 4.5.3 too many' : '250 2.1.5 Ok');
    i++;
  }
  for (let s = 1; s <= sessions; s += 2)
    fake.publish({ type: 'session-close', sid: `smtp#${s}`, proto: 'smtp', reason: 'quit', durationMs: 5 });
  return out;
}

describe('bounded model', () => {
  it('keeps at most linesPerSession lines of one session fed 10,000 events, and counts them all', () => {
    const model = new TranscriptModel();
    model.ingestAll(tenThousandEvents(1));
    const stats = model.stats();
    assert.equal(stats.largestSession, DEFAULT_UI_LIMITS.linesPerSession);
    assert.equal(stats.streamLines, DEFAULT_UI_LIMITS.streamLines);
    const row = model.sessions.get('smtp#1')!;
    assert.equal(row.lineCount, 10_000);
    // The newest lines are the ones kept.
    assert.equal(row.lines.get(row.lines.length - 1).kind, 'close');
    assert.equal(row.lines.get(0).seq, 10_000 - DEFAULT_UI_LIMITS.linesPerSession + 1);
  });

  it('stays within every limit with small caps: lines per session, total, stream and rows', () => {
    const limits = { linesPerSession: 300, totalLines: 2_000, streamLines: 500, sessions: 20 };
    const model = new TranscriptModel(limits);
    let peak = { sessionLines: 0, largestSession: 0, streamLines: 0, sessions: 0 };
    for (const e of tenThousandEvents(50)) {
      model.ingest(e);
      const s = model.stats();
      peak = {
        sessionLines: Math.max(peak.sessionLines, s.sessionLines),
        largestSession: Math.max(peak.largestSession, s.largestSession),
        streamLines: Math.max(peak.streamLines, s.streamLines),
        sessions: Math.max(peak.sessions, s.sessions),
      };
    }
    assert.ok(peak.sessionLines <= limits.totalLines, `total ${peak.sessionLines}`);
    assert.ok(peak.largestSession <= limits.linesPerSession, `session ${peak.largestSession}`);
    assert.equal(peak.streamLines, limits.streamLines);
    assert.equal(peak.sessions, limits.sessions);
    // Counters follow the events, whatever rows were evicted.
    assert.deepEqual(
      { total: model.counters.sessionsTotal, open: model.counters.sessionsOpen },
      { total: 50, open: 25 },
    );
  });

  it('the rendered UI shows how many of a long session it kept', async () => {
    const bus = new TranscriptBus(20_000);
    // The line count is a column from 110 columns on (narrower, the findings take its place).
    const app = renderApp({
      source: bus,
      limits: { ...DEFAULT_UI_LIMITS, linesPerSession: 1_000 },
      size: { columns: 120, rows: 24 },
    });
    try {
      const fake = new FakeSessions(bus);
      fake.open('smtp#1', 'smtp', 'smtp');
      for (let i = 1; i < 10_000; i++) fake.client('smtp#1', 'smtp', `NOOP ${i}`);
      await app.waitFor((s) => /smtp#1 .* 10000 /.test(s), 'the row with 10000 lines');
      await app.press('\r');
      const frame = await app.waitFor((s) => s.includes('NOOP 9999'), 'the newest line');
      assert.match(frame, /10000 lines \(1000 kept\)/);
    } finally {
      app.unmount();
    }
  });
});

describe('reading replies', () => {
  it('colours SMTP, POP3 and IMAP replies as success, failure or neither, with the list code', () => {
    const cases: [Parameters<typeof readServerLine>, string, string | null][] = [
      [['smtp', '250 2.0.0 Ok: queued'], 'ok', '250'],
      [['smtp', '250-PIPELINING'], 'ok', '250'],
      [['smtp', '354 End data'], 'neutral', '354'],
      [['smtp', '334 VXNlcm5hbWU6'], 'neutral', '334'],
      [['smtp', '452 4.5.3 too many'], 'fail', '452'],
      [['smtp', '535 5.7.8 bad credentials'], 'fail', '535'],
      [['pop3', '+OK 2 messages'], 'ok', '+OK'],
      [['pop3', '-ERR no such message'], 'fail', '-ERR'],
      [['pop3', '+ '], 'neutral', null],
      [['pop3', 'Subject: hi'], 'neutral', null],
      [['imap', 'a1 OK LOGIN completed'], 'ok', 'OK'],
      [['imap', 'a2 NO [AUTHENTICATIONFAILED] nope'], 'fail', 'NO'],
      [['imap', 'a3 bad syntax'], 'fail', 'BAD'],
      [['imap', '* OK [UIDVALIDITY 3] UIDs valid'], 'ok', null],
      [['imap', '* 3 EXISTS'], 'neutral', null],
      [['imap', '+ idling'], 'neutral', null],
    ];
    for (const [args, status, code] of cases)
      assert.deepEqual(readServerLine(...args), { status, code }, args.join(' '));
  });
});

describe('keys, wrapping, colours', () => {
  const noKey = PLAIN_KEY;

  it('maps keys by mode: q quits except while typing a search, Ctrl-C always quits', () => {
    assert.deepEqual(keyToAction('q', noKey, 'normal'), { type: 'quit' });
    assert.deepEqual(keyToAction('q', noKey, 'search'), { type: 'search-type', text: 'q' });
    assert.deepEqual(keyToAction('c', { ...noKey, ctrl: true }, 'search'), { type: 'quit' });
    assert.deepEqual(keyToAction('x', noKey, 'help'), { type: 'close-help' });
    assert.deepEqual(keyToAction('', { ...noKey, pageUp: true }, 'normal'), { type: 'page', dir: -1 });
    assert.deepEqual(keyToAction('', { ...noKey, delete: true }, 'search'), { type: 'search-erase' });
    assert.deepEqual(keyToAction('S', noKey, 'normal'), { type: 'open-picker' });
    assert.deepEqual(keyToAction('j', noKey, 'picker'), { type: 'move', delta: 1 });
    assert.deepEqual(keyToAction('', { ...noKey, return: true }, 'picker'), { type: 'picker-choose' });
    assert.deepEqual(keyToAction('', { ...noKey, escape: true }, 'picker'), { type: 'picker-cancel' });
  });

  /** The actions of one useInput call, the mode following them as the App's state would. */
  function actionsOf(input: string, key = PLAIN_KEY, start: InputMode = 'normal'): Action[] {
    let mode = start;
    const out: Action[] = [];
    for (const a of chunkActions(input, key, () => mode)) {
      out.push(a);
      if (a.type === 'search-start') mode = 'search';
      if (a.type === 'search-commit' || a.type === 'search-cancel') mode = 'normal';
      if (a.type === 'toggle-help') mode = 'help';
      if (a.type === 'close-help') mode = 'normal';
    }
    return out;
  }

  it('reads every key of a chunk Ink hands over at once (tmux send-keys j Enter, k k), in order', () => {
    const up = { type: 'move', delta: -1 };
    const down = { type: 'move', delta: 1 };
    assert.deepEqual(actionsOf('kk'), [up, up]);
    assert.deepEqual(actionsOf('j\r'), [down, { type: 'open' }]);
    assert.deepEqual(actionsOf('jj\x7fk'), [down, down, { type: 'back' }, up]);
    assert.deepEqual(actionsOf('k'), [up]);
    // An escape sequence comes alone; Alt-a (ESC a, also `send-keys Escape a`) is Esc, then a.
    assert.deepEqual(actionsOf('', { ...PLAIN_KEY, upArrow: true }), [up]);
    assert.deepEqual(actionsOf('a', { ...PLAIN_KEY, meta: true }), [{ type: 'back' }, { type: 'show-all' }]);
    // The mode follows the keys: text typed into the search prompt stays text, Enter commits, the
    // keys after it are commands again.
    assert.deepEqual(actionsOf('/quit me\rn'), [
      { type: 'search-start' },
      { type: 'search-type', text: 'quit me' },
      { type: 'search-commit' },
      { type: 'search-next', dir: 1 },
    ]);
    assert.deepEqual(actionsOf('ab\x7fc', PLAIN_KEY, 'search'), [
      { type: 'search-type', text: 'ab' },
      { type: 'search-erase' },
      { type: 'search-type', text: 'c' },
    ]);
    assert.deepEqual(actionsOf('?x'), [{ type: 'toggle-help' }, { type: 'close-help' }]);
    // Ctrl-C in the middle of a chunk still quits.
    assert.deepEqual(actionsOf('xy\x03', PLAIN_KEY, 'search'), [
      { type: 'search-type', text: 'xy' },
      { type: 'quit' },
    ]);
  });

  it('wraps long lines with continuation rows aligned under the text, and never emits controls', () => {
    const rows = wrapSegments(
      [
        { text: '12:00:00 C: ', style: 'client' },
        { text: 'A'.repeat(30), style: 'client' },
      ],
      20,
      12,
    );
    assert.deepEqual(
      rows.map((r) => r.map((s) => s.text).join('')),
      [
        '12:00:00 C: AAAAAAAA',
        ' '.repeat(12) + 'AAAAAAAA',
        ' '.repeat(12) + 'AAAAAAAA',
        ' '.repeat(12) + 'AAAAAA',
      ],
    );
    assert.equal(visible('a\x1b[31mb\r\x00\x7f\x9b'), 'a␛[31mb␍␀␡·');
  });

  it('respects NO_COLOR', () => {
    assert.equal(colorsWanted({ NO_COLOR: '1' }), false);
    assert.equal(colorsWanted({}), true);
    assert.deepEqual(makeTheme(false).segment('fail'), { bold: true });
    assert.equal(makeTheme(false).color('red'), undefined);
    assert.equal(makeTheme(true).segment('fail').color, 'red');
  });
});

describe('POP3 says STLS', () => {
  it("a POP3 session upgraded in place is STLS→TLSv1.3 (RFC 2595 §4), SMTP's and IMAP's STARTTLS→", () => {
    const bus = new TranscriptBus(100);
    const events: TranscriptEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const fake = new FakeSessions(bus);
    for (const [sid, proto] of [
      ['pop3#1', 'pop3'],
      ['imap#1', 'imap'],
    ] as const) {
      fake.open(sid, proto, proto);
      fake.publish({
        type: 'tls-upgraded',
        sid,
        proto,
        how: 'starttls',
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
      });
    }
    const model = new TranscriptModel();
    model.ingestAll(events);
    assert.equal(model.sessions.get('pop3#1')!.tls, 'STLS→TLSv1.3');
    assert.equal(model.sessions.get('imap#1')!.tls, 'STARTTLS→TLSv1.3');
  });
});
