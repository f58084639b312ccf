import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpungeLog } from '../../src/store/modseq.js';

/** The bounded memory of expunged UIDs behind QRESYNC's VANISHED (EARLIER) (src/store/modseq.ts). */
describe('ExpungeLog', () => {
  it('answers the UIDs expunged after a modseq, ascending', () => {
    const log = new ExpungeLog(10);
    log.record([5, 3], 4);
    log.record([9], 6);
    assert.deepEqual(log.since(3), [3, 5, 9]);
    assert.deepEqual(log.since(4), [9]);
    assert.deepEqual(log.since(6), []);
  });

  it('keeps at most its limit and says so (null) for a modseq older than what it dropped', () => {
    const log = new ExpungeLog(3);
    log.record([1], 2);
    log.record([2], 3);
    log.record([3], 4);
    log.record([4], 5);
    assert.equal(log.floor, 2);
    assert.equal(log.since(1), null);
    assert.deepEqual(log.since(2), [2, 3, 4]);
    assert.deepEqual(ExpungeLog.fromJSON(log.toJSON()).since(2), [2, 3, 4]);
    assert.equal(ExpungeLog.fromJSON(log.toJSON()).since(1), null);
  });
});
