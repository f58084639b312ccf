import type { Command } from '../conversation.js';
import { at, type RuleFamily } from '../rule.js';

const UID_USERS = new Set(['FETCH', 'STORE', 'COPY', 'MOVE', 'EXPUNGE']);
const MAX_REMEMBERED = 10_000;

function mailboxName(args: string): string {
  const raw = args
    .trim()
    .split(' ')[0]!
    .replace(/^"(.*)"$/, '$1');
  return raw.toUpperCase() === 'INBOX' ? 'INBOX' : raw;
}

/**
 * stale-uids-after-uidvalidity-change (RFC 3501 §2.3.1.1): once a mailbox's UIDVALIDITY changed,
 * every UID the client knew is void; it must learn them again (a SEARCH, a FETCH of `1:*`) before it
 * names any by UID. The last UIDVALIDITY is remembered per client, user and mailbox, across sessions.
 */
export function uidValidityRules(): RuleFamily {
  const known = new Map<string, string>();
  return (report, s) => {
    if (s.proto !== 'imap') return {};
    let selecting: string | null = null;
    let changed: { mailbox: string; from: string; to: string } | null = null;
    const keyOf = (mailbox: string) => `${s.clientAddress}|${s.user ?? ''}|${mailbox}`;
    const relearns = (cmd: Command) => {
      const sub = cmd.verb === 'UID' ? cmd.args.split(' ')[0]!.toUpperCase() : cmd.verb;
      const set = cmd.verb === 'UID' ? (cmd.args.split(' ')[1] ?? '') : (cmd.args.split(' ')[0] ?? '');
      return sub === 'SEARCH' || (sub === 'FETCH' && set.includes('*'));
    };
    return {
      command(cmd) {
        if (cmd.verb === 'SELECT' || cmd.verb === 'EXAMINE') {
          selecting = mailboxName(cmd.args);
          changed = null;
          return;
        }
        if (!changed) return;
        if (relearns(cmd)) {
          changed = null;
          return;
        }
        if (cmd.verb === 'UID' && UID_USERS.has(cmd.args.split(' ')[0]!.toUpperCase()))
          report(
            'stale-uids-after-uidvalidity-change',
            at(cmd),
            `UID ${cmd.args.split(' ').slice(0, 2).join(' ')} in ${changed.mailbox} right after its UIDVALIDITY changed from ${changed.from} to ${changed.to}: those UIDs are void`,
          );
      },
      event(event) {
        if (event.type !== 'server-line' || selecting === null) return;
        const m = /^\* OK \[UIDVALIDITY (\d+)\]/i.exec(event.line);
        if (!m) return;
        const key = keyOf(selecting);
        const before = known.get(key);
        if (before !== undefined && before !== m[1])
          changed = { mailbox: selecting, from: before, to: m[1]! };
        else if (changed?.mailbox === selecting) changed = null;
        known.delete(key);
        known.set(key, m[1]!);
        if (known.size > MAX_REMEMBERED) known.delete(known.keys().next().value!);
        selecting = null;
      },
    };
  };
}
