import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newMessageId } from '../../src/store/mail-store.js';

describe('message ids', () => {
  it('are upper-case hex of the time and a counter: unique and in order across a burst', () => {
    const before = Date.now();
    const ids = Array.from({ length: 3000 }, () => newMessageId());
    const after = Date.now();
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.match(id, /^[0-9A-F]+$/);
      const ms = parseInt(id.slice(0, -5), 16);
      assert.ok(ms >= before && ms <= after, id);
    }
    // Sortable (postfix-like): within one run of the counter, later ids sort after earlier ones.
    const counters = ids.map((id) => parseInt(id.slice(-5), 16));
    for (let i = 1; i < ids.length; i++)
      if (counters[i]! > counters[i - 1]!) assert.ok(ids[i]! > ids[i - 1]!, `${ids[i - 1]} ${ids[i]}`);
  });
});
