import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyCache, SECOND_READ_WINDOW } from '../../src/store/body-cache.js';

const body = (n: number): Buffer => Buffer.alloc(n, 0x61);

describe('BodyCache: least recently used out, bounded in bytes', () => {
  it('keeps the total within the limit, dropping the least recently used first', () => {
    const cache = new BodyCache<string>(100);
    cache.put('a', body(40));
    cache.put('b', body(40));
    assert.ok(cache.get('a'), 'a is now the most recently used');
    cache.put('c', body(40));
    assert.equal(cache.get('b'), undefined, 'b was the least recently used');
    assert.ok(cache.get('a'));
    assert.ok(cache.get('c'));
    assert.deepEqual(cache.size, { bodies: 2, bytes: 80 });
  });

  it('does not keep a body larger than the whole cache, and forgets deleted and replaced bodies', () => {
    const cache = new BodyCache<string>(100);
    cache.put('big', body(101));
    assert.equal(cache.get('big'), undefined);
    cache.put('a', body(30));
    cache.put('a', body(50));
    assert.deepEqual(cache.size, { bodies: 1, bytes: 50 });
    cache.delete('a');
    assert.deepEqual(cache.size, { bodies: 0, bytes: 0 });
    const none = new BodyCache<string>(0);
    none.put('x', body(1));
    assert.deepEqual(none.size, { bodies: 0, bytes: 0 });
  });

  it('stays in order over many turns (10,000 puts through a cache of 100)', () => {
    const cache = new BodyCache<number>(100 * 10);
    for (let i = 0; i < 10_000; i++) cache.put(i, body(10));
    assert.deepEqual(cache.size, { bodies: 100, bytes: 1000 });
    assert.equal(cache.get(9_899), undefined);
    for (let i = 9_900; i < 10_000; i++) assert.ok(cache.get(i), `body ${i}`);
  });

  it('keeps a body read from its file only when it is read again soon, so one pass over many leaves the cache as it was', () => {
    const cache = new BodyCache<number>(1_000_000);
    const lastMiss = new Map<number, number>();
    const miss = (key: number) => lastMiss.set(key, cache.missed(key, body(10), lastMiss.get(key) ?? 0));
    miss(1);
    assert.ok(cache.get(1), 'the body just read is at hand (several FETCH items of one message)');
    miss(2);
    assert.equal(cache.get(1), undefined, 'read once: not kept');
    assert.deepEqual(cache.size, { bodies: 0, bytes: 0 });
    miss(1);
    miss(3);
    assert.ok(cache.get(1), 'read again soon: kept');
    // A client reading a large mailbox once through: twice the window of bodies, each read once.
    for (let key = 100; key < 100 + 2 * SECOND_READ_WINDOW; key++) miss(key);
    assert.deepEqual(cache.size, { bodies: 1, bytes: 10 }, 'nothing of the pass is kept');
    assert.ok(cache.get(1), 'and the body read twice is still there');
    // Read again only after more than the window of other reads: not kept either.
    miss(100);
    miss(101);
    assert.equal(cache.get(100), undefined);
    miss(100 + 2 * SECOND_READ_WINDOW - 1);
    miss(102);
    assert.ok(cache.get(100 + 2 * SECOND_READ_WINDOW - 1), 'the last of the pass, read again soon');
    cache.delete(102);
    assert.equal(cache.get(102), undefined, 'a deleted body is gone, the one just read too');
  });
});
