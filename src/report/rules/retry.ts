import type { Command, Reply } from '../conversation.js';
import { at, type RuleFamily } from '../rule.js';

/**
 * A retry sooner than this after a 4xx is too fast. RFC 5321 §4.5.4.1 asks for at least 30 minutes
 * between attempts; greylisting servers let a retry through after a few minutes (postgrey's default
 * delay is 300 s), so a client back within 5 minutes is greylisted again.
 */
export const DEFAULT_RETRY_WINDOW_MS = 5 * 60 * 1000;

/** Failures remembered across sessions; the oldest go first. */
const MAX_REMEMBERED = 10_000;

interface Failure {
  code: string;
  time: number;
  sid: string;
  line: number;
}

function address(args: string): string {
  const m = /<([^>]*)>/.exec(args);
  return (m ? m[1]! : (args.split(/[:\s]/)[1] ?? '')).toLowerCase();
}

/**
 * retried-permanent-failure and retry-too-fast, across the sessions of one client: a transaction is
 * the client address with the envelope (MAIL FROM, and RCPT TO for a refused recipient).
 */
export function retryRules(windowMs = DEFAULT_RETRY_WINDOW_MS): RuleFamily {
  const failures = new Map<string, Failure>();
  const remember = (key: string, f: Failure) => {
    failures.delete(key);
    failures.set(key, f);
    if (failures.size > MAX_REMEMBERED) failures.delete(failures.keys().next().value!);
  };
  return (report, s) => {
    if (s.proto !== 'smtp') return {};
    let from = '';
    /** The accepted RCPTs' arguments: their addresses are read only when a key needs them. */
    let rcpts: string[] = [];
    const keyOf = (cmd: Command): string | null => {
      if (cmd.verb !== 'MAIL' && cmd.verb !== 'RCPT' && cmd.verb !== '.') return null;
      const base = `${s.clientAddress}|${from}`;
      if (cmd.verb === 'MAIL') return base;
      if (cmd.verb === 'RCPT') return `${base}|${address(cmd.args)}`;
      return `${base}|${rcpts.map(address).join(',')}|DATA`;
    };
    const check = (cmd: Command) => {
      // Nothing failed yet (the usual case): no key to build for every command of every session.
      if (failures.size === 0) return;
      const key = keyOf(cmd);
      const before = key ? failures.get(key) : undefined;
      if (!before) return;
      const what =
        cmd.verb === '.'
          ? 'the message'
          : cmd.verb === 'MAIL'
            ? `MAIL FROM <${from}>`
            : `RCPT TO <${address(cmd.args)}>`;
      const where = before.sid === s.key ? `line ${before.line}` : `${before.sid} line ${before.line}`;
      if (before.code.startsWith('5'))
        report(
          'retried-permanent-failure',
          at(cmd),
          `${what} again after a permanent ${before.code} (${where}): 5xx means do not retry`,
        );
      else if (cmd.time - before.time < windowMs)
        report(
          'retry-too-fast',
          at(cmd),
          `${what} again ${((cmd.time - before.time) / 1000).toFixed(1)} s after ${before.code} (${where}); wait at least ${windowMs / 1000} s`,
        );
    };
    return {
      command(cmd) {
        if (cmd.verb === 'MAIL') {
          from = address(cmd.args);
          rcpts = [];
        }
        check(cmd);
      },
      reply(cmd: Command, reply: Reply) {
        if (cmd.verb === 'RCPT' && reply.ok) rcpts.push(cmd.args);
        // A success only forgets a failure: with none remembered there is nothing to look up.
        if (reply.ok && failures.size === 0) return;
        const key = keyOf(cmd);
        if (!key) return;
        if (reply.ok) failures.delete(key);
        else if (/^[45]/.test(reply.code) && reply.code !== '421')
          remember(key, { code: reply.code, time: cmd.time, sid: s.key, line: reply.line });
      },
    };
  };
}
