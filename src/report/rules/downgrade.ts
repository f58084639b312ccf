import type { Command } from '../conversation.js';
import { at, mechanismOf, PLAIN_TEXT_MECHANISMS, sendsPlainPassword, type RuleFamily } from '../rule.js';

/** A client that reconnects and tries PLAIN this soon after CRAM-MD5 failed is downgrading too. */
const ACROSS_SESSIONS_MS = 60_000;
const MAX_REMEMBERED = 10_000;

interface StrongFailure {
  mechanism: string;
  time: number;
  sid: string;
  line: number;
}

function strongMechanism(cmd: Command): string | null {
  if (cmd.verb !== 'AUTH' && cmd.verb !== 'AUTHENTICATE') return null;
  const mech = mechanismOf(cmd);
  return mech && !PLAIN_TEXT_MECHANISMS.has(mech) && mech !== 'ANONYMOUS' ? mech : null;
}

/**
 * auth-downgrade: after a mechanism that keeps the password off the wire (CRAM-MD5, SCRAM, …) failed,
 * the client sent the password as it is (PLAIN, LOGIN, IMAP LOGIN, POP3 PASS) — in the same session,
 * or in a new one from the same address within a minute.
 */
export function downgradeRules(): RuleFamily {
  const recent = new Map<string, StrongFailure>();
  return (report, s) => {
    // Read when a command comes, not now: the rules are made at the session's first event, before
    // its session-open has given the conversation its client address.
    const keyOf = () => `${s.clientAddress}|${s.proto}`;
    let failed: StrongFailure | null = null;
    return {
      command(cmd) {
        if (!sendsPlainPassword(s.proto, cmd)) return;
        const earlier = recent.get(keyOf());
        const before = failed ?? (earlier && cmd.time - earlier.time < ACROSS_SESSIONS_MS ? earlier : null);
        if (!before) return;
        const where = before.sid === s.key ? `line ${before.line}` : `${before.sid} line ${before.line}`;
        const plain = cmd.verb === 'AUTH' || cmd.verb === 'AUTHENTICATE' ? mechanismOf(cmd) : cmd.verb;
        report(
          'auth-downgrade',
          at(cmd),
          `after ${before.mechanism} failed (${where}) the client fell back to ${plain}, which sends the password as it is`,
        );
      },
      reply(cmd, reply) {
        const mechanism = strongMechanism(cmd);
        if (!mechanism) return;
        if (reply.ok) {
          failed = null;
          recent.delete(keyOf());
          return;
        }
        failed = { mechanism, time: cmd.time, sid: s.key, line: reply.line };
        const key = keyOf();
        recent.delete(key);
        recent.set(key, failed);
        if (recent.size > MAX_REMEMBERED) recent.delete(recent.keys().next().value!);
      },
    };
  };
}
