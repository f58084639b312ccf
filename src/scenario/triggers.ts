import type { Proto } from '../transcript/events.js';
import type { DecisionContext } from './engine.js';
import type { Point } from './schema.js';
import { refusal, type ActiveVerdict } from './verdicts.js';

/**
 * Client-triggered faults (BadSMTP's idea, asked for in mailpit#402 and smtp4dev#1265): a test picks a
 * failure by the address or user name it uses, with no scenario and no restart. The local part (or the
 * login, up to an `@`) is read as
 *
 *   fail-<command>-<outcome>   SMTP: a reply code 400-599 and an optional enhanced code (fail-rcpt-452,
 *                              fail-mail-550-5.7.1); IMAP: no | bad | bye; POP3: err
 *   slow-<command>-<ms>        the reply comes after <ms> milliseconds (at most MAX_SLOW_MS)
 *   drop-<command>             the connection closes without a reply
 *
 * optionally followed by `+anything` (a subaddress, so every test can use its own address).
 * SMTP reads the address where the command carries it: MAIL's sender at MAIL, each RCPT's recipient at
 * that RCPT, and for `data` any address of the transaction after the final dot. IMAP and POP3 read the
 * login: a login command (`login`, `authenticate`; POP3 `user`, `pass`, `apop`, `auth`) fails at once,
 * any other command fails the first time the logged-in session sends it. Anything else about these
 * addresses behaves normally. A trigger wins over the scenario's rules at that command.
 */
export const MAX_SLOW_MS = 120_000;

const PATTERN = /^(fail|slow|drop)-([a-z]+)(?:-([a-z0-9.-]+))?(?:\+[^@]*)?(?:@.*)?$/i;

/** The login step of each protocol: a trigger naming one fires when the credentials are checked. */
const LOGIN_COMMANDS: Record<Proto, ReadonlySet<string>> = {
  smtp: new Set(['auth']),
  imap: new Set(['login', 'authenticate']),
  pop3: new Set(['user', 'pass', 'apop', 'auth']),
};

/** One parsed trigger: what, at which command, and the token the transcript names it by. */
interface Trigger {
  kind: 'fail' | 'slow' | 'drop';
  command: string;
  detail: string | undefined;
  token: string;
}

export function parseTrigger(name: string | null | undefined): Trigger | null {
  // Cheap first: nearly every address and login starts with none of the three words.
  if (!name || name.length < 6) return null;
  const c = name.charCodeAt(0) | 0x20;
  if (c !== 0x66 /* f */ && c !== 0x73 /* s */ && c !== 0x64 /* d */) return null;
  const m = PATTERN.exec(name);
  if (!m) return null;
  const kind = m[1]!.toLowerCase() as Trigger['kind'];
  const command = m[2]!.toLowerCase();
  const detail = m[3]?.toLowerCase();
  const token = [kind, command, detail].filter(Boolean).join('-');
  return { kind, command, detail, token };
}

/** The verdict a trigger plays in `proto`, or null when its outcome is not one the protocol has. */
export function triggerVerdict(t: Trigger, proto: Proto, atLogin: boolean): ActiveVerdict | null {
  const rule = `client-triggered: ${t.token}`;
  const text = `Client-triggered failure (${t.token})`;
  if (t.kind === 'drop')
    return t.detail === undefined ? { kind: 'disconnect', rule, delayMs: 0, how: 'fin' } : null;
  if (t.kind === 'slow') {
    const ms = Number(t.detail);
    if (!/^\d{1,9}$/.test(t.detail ?? '') || ms > MAX_SLOW_MS) return null;
    return { kind: 'delay', rule, delayMs: ms };
  }
  const refuse = refusal(rule);
  const detail = t.detail ?? '';
  switch (proto) {
    case 'smtp': {
      const m = /^([45]\d\d)(?:-([245]\.\d{1,3}\.\d{1,3}))?$/.exec(detail);
      if (!m) return null;
      const code = Number(m[1]);
      // RFC 3463: the enhanced code's class follows the reply's first digit.
      const enhanced = m[2] ?? `${m[1]![0]}.0.0`;
      return { ...refuse, replyCode: code, lines: [`${enhanced} ${text}`], close: code === 421 };
    }
    case 'imap':
      if (detail === 'no') return { ...refuse, code: atLogin ? 'AUTHENTICATIONFAILED' : null, lines: [text] };
      if (detail === 'bad') return { ...refuse, lines: [text], invalid: true };
      if (detail === 'bye') return { ...refuse, lines: [text], close: true };
      return null;
    case 'pop3':
      return detail === 'err' ? { ...refuse, code: atLogin ? 'AUTH' : null, lines: [text] } : null;
  }
}

/**
 * The engine's side: which trigger, if any, fires at this decision point. Remembers, per session, the
 * later-command triggers that already fired (they fire once).
 */
export class ClientTriggers {
  private readonly fired = new Map<string, Set<string>>();

  verdict(point: Point, ctx: DecisionContext): ActiveVerdict | null {
    if (ctx.proto === 'smtp') return this.smtp(point, ctx);
    const t = parseTrigger(ctx.user);
    if (!t) return null;
    const login = LOGIN_COMMANDS[ctx.proto].has(t.command);
    if (point === 'auth') return login ? triggerVerdict(t, ctx.proto, true) : null;
    if (point !== 'command' || login || !ctx.command) return null;
    // `fail-fetch-bye` also catches UID FETCH: the command is named by its verb.
    const verb = ctx.command.toLowerCase().replace(/^uid /, '');
    if (verb !== t.command) return null;
    let done = this.fired.get(ctx.sid);
    if (done?.has(t.token)) return null;
    const verdict = triggerVerdict(t, ctx.proto, false);
    if (!verdict) return null;
    if (!done) this.fired.set(ctx.sid, (done = new Set()));
    done.add(t.token);
    return verdict;
  }

  forget(sid: string): void {
    this.fired.delete(sid);
  }

  /** False where verdict() returns null whatever the context (SMTP: the points smtp() reads). */
  mayFire(proto: Proto, point: Point, command: string | undefined): boolean {
    if (proto !== 'smtp') return true;
    if (point === 'auth' || point === 'data-end') return true;
    return point === 'command' && (command === 'MAIL' || command === 'RCPT');
  }

  private smtp(point: Point, ctx: DecisionContext): ActiveVerdict | null {
    const at = (name: string | null | undefined, command: string) => {
      const t = parseTrigger(name);
      return t && t.command === command ? triggerVerdict(t, 'smtp', command === 'auth') : null;
    };
    if (point === 'auth') return at(ctx.user, 'auth');
    if (point === 'data-end') {
      for (const address of [ctx.sender, ...(ctx.recipients ?? [ctx.recipient])]) {
        const v = at(address, 'data');
        if (v) return v;
      }
      return null;
    }
    if (point !== 'command') return null;
    if (ctx.command === 'MAIL') return at(ctx.sender, 'mail');
    if (ctx.command === 'RCPT') return at(ctx.recipient, 'rcpt');
    return null;
  }
}
