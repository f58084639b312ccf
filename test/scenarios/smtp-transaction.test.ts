import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/index.js';
import { parseScenario } from '../../src/scenario/index.js';
import { certPath, startTestSandbox } from '../helpers/sandbox.js';
import { firedRules, smtplib } from './support.js';

const open: Sandbox[] = [];
after(() => Promise.all(open.map((s) => s.close())));

/** A sandbox (smtp listener only) whose one rule refuses the second RCPT, counted `per`. */
async function secondRcptRefused(per: string | null): Promise<Sandbox> {
  const scenario = await parseScenario(
    `
description: 452 on the second RCPT
smtp:
  rules:
    - name: second-rcpt
      when: { command: RCPT, nth: 2${per ? `, per: ${per}` : ''} }
      reply: { code: 452, text: "4.5.3 Too many recipients" }
`,
    { label: 'inline.yaml', name: 'second-rcpt' },
  );
  const sb = await startTestSandbox({ listeners: ['smtp'], scenario });
  open.push(sb);
  return sb;
}

/**
 * One python smtplib session, four transactions: one ended by DATA, one by RSET, one started after a
 * refused MAIL (bad syntax: 501) and one after EHLO. Reports each transaction's RCPT codes.
 */
const FOUR_TRANSACTIONS = `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
rcpts = lambda: [s.rcpt(r)[0] for r in ['a@example.test', 'b@example.test', 'c@example.test']]
out = []
s.mail('one@example.test'); out.append(rcpts()); s.data('Subject: one\\r\\n\\r\\nx\\r\\n')
s.mail('two@example.test'); out.append(rcpts()); s.rset()
bad = s.docmd('MAIL FROM:<broken')[0]
s.mail('three@example.test'); out.append(rcpts()); s.ehlo('client.test')
s.mail('four@example.test'); out.append(rcpts())
s.quit(); report(out=out, bad=bad)`;

describe('per: transaction counts SMTP mail transactions (MAIL FROM to the end of DATA or RSET)', () => {
  it('the second RCPT of every transaction of one session gets the 452', async () => {
    const sb = await secondRcptRefused('transaction');
    const result = await smtplib(FOUR_TRANSACTIONS, sb.ports.smtp!, certPath());
    assert.equal(result.bad, 501);
    assert.deepEqual(result.out, [
      [250, 452, 250],
      [250, 452, 250],
      [250, 452, 250],
      [250, 452, 250],
    ]);
    assert.deepEqual(firedRules(sb), Array(4).fill('second-rcpt'));
    assert.equal(sb.messages().length, 1);
  });

  it('per: [transaction, recipient] counts each recipient per transaction', async () => {
    const sb = await secondRcptRefused('[transaction, recipient]');
    const result = await smtplib(
      `
s = smtplib.SMTP('127.0.0.1', port, timeout=10); s.ehlo('client.test')
out = []
for i in range(2):
    s.mail('a@example.test'); out.append([s.rcpt(r)[0] for r in ['x@example.test', 'X@example.test', 'y@example.test']]); s.rset()
s.quit(); report(out=out)`,
      sb.ports.smtp!,
      certPath(),
    );
    assert.deepEqual(result.out, [
      [250, 452, 250],
      [250, 452, 250],
    ]);
  });

  it('the default (per session) fires once, in the first transaction', async () => {
    const sb = await secondRcptRefused(null);
    const result = await smtplib(FOUR_TRANSACTIONS, sb.ports.smtp!, certPath());
    assert.deepEqual(result.out, [
      [250, 452, 250],
      [250, 250, 250],
      [250, 250, 250],
      [250, 250, 250],
    ]);
    assert.deepEqual(firedRules(sb), ['second-rcpt']);
  });
});
