import { z } from 'zod';
import { knownCommands } from './commands.js';
import { replaySchema } from '../replay/schema.js';
import { authSchema, mechanismName, usersSchema } from './schema-auth.js';

export { authSchema, usersSchema };

/**
 * The one schema of a scenario file. Every type of the scenario engine is inferred from it; every
 * object is strict, so a misspelt key is an error rather than a silently ignored line.
 * scenarios/README.md documents each key with an example.
 */

const text = z.string().min(1, { error: 'must not be empty' });

/** A JavaScript regular expression source, tested for syntax when the file is loaded. */
const pattern = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'i');
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(source)} is not a valid regular expression (${(err as Error).message})`,
    });
  }
});

const ms = z.number().int().min(0).max(3_600_000, { error: 'at most one hour (3600000 ms)' });
const count = z.number().int().min(1);

/** Decision points (DESIGN.md): where a protocol asks the engine. */
export const POINTS = [
  'connect',
  'greeting',
  'command',
  'auth',
  'data-end',
  'fetch',
  'retr',
  'idle',
  'starttls',
] as const;
export const pointSchema = z.enum(POINTS);

/** What the occurrence counters of `nth`, `first` and `from` are kept per (greylisting keys).
 *  `transaction` is SMTP's mail transaction (RFC 5321 §3.3), kept by src/protocols/smtp/conversation.ts. */
const counterKey = z.enum(['session', 'transaction', 'server', 'client', 'sender', 'recipient']);

export const whenSchema = z
  .strictObject({
    point: pointSchema.optional(),
    /** A command by name (`RCPT`, `UID FETCH`, `RETR`): implies point `command`. */
    command: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]*( [A-Za-z][A-Za-z0-9-]*)?$/, {
        error: 'must be a command name like RCPT',
      })
      .transform((c) => c.toUpperCase())
      .optional(),
    /** Regular expression matched (case-insensitively) against the command's arguments. */
    args: pattern.optional(),
    /** The logged-in (or logging-in) user, exactly, case-insensitively. */
    user: z.string().optional(),
    /** At point `auth`: only this mechanism. */
    mechanism: mechanismName.optional(),
    /** Only the nth occurrence (1 = the first). */
    nth: count.optional(),
    /** Only the first N occurrences ("fail the first N attempts, then succeed"). */
    first: count.optional(),
    /** The Nth occurrence and every one after it ("421 after N messages" is `from: N+1`). */
    from: count.optional(),
    /** What occurrences are counted per: the session (default), the SMTP mail transaction, the whole
     *  server, or per client address / sender / recipient, alone or combined
     *  (`[client, sender, recipient]` = greylisting). */
    per: z.union([counterKey, z.array(counterKey).min(1)]).optional(),
    /** Only once the session is this old. */
    afterMs: ms.optional(),
    /** Fire with this probability (0–1) from the seeded random source. */
    probability: z.number().min(0).max(1, { error: 'is a probability: between 0 and 1' }).optional(),
  })
  .superRefine((when, ctx) => {
    if (!when.point && !when.command) ctx.addIssue({ code: 'custom', message: 'needs a point or a command' });
    if (when.point && when.command && when.point !== 'command')
      ctx.addIssue({ code: 'custom', message: `command ${when.command} is only asked at point "command"` });
    const counted = [when.nth, when.first, when.from].filter((v) => v !== undefined).length;
    if (counted > 1) ctx.addIssue({ code: 'custom', message: 'use only one of nth, first and from' });
  });

const lines = z.union([text, z.array(text).min(1)]);

const replyCode = z.number().refine((c) => Number.isInteger(c) && c >= 200 && c <= 599, {
  error: (issue) => `${String(issue.input)} is not a reply code (200-599)`,
});

/** Transport faults, named as toxiproxy names them; valid on every protocol. */
const transportActions = {
  /** Wait before acting (or before carrying on, when the rule does nothing else). */
  delay: z.strictObject({ ms, jitterMs: ms.optional() }).optional(),
  /** Drop the connection without a reply: FIN (orderly close) or RST (reset). */
  disconnect: z.strictObject({ how: z.enum(['fin', 'rst']).default('fin') }).optional(),
  /** Stop answering: read nothing, write nothing; after `ms` (if given) close the connection. */
  stall: z.strictObject({ ms: ms.optional() }).optional(),
  /** From now on, write at most this many bytes per second. */
  throttle: z.strictObject({ bytesPerSecond: count }).optional(),
  /** From now on, write in pieces of `bytes`, `delayMs` apart. */
  slice: z.strictObject({ bytes: count, delayMs: ms.default(0) }).optional(),
  /** Cut the connection after this many more bytes of the reply (or, on SMTP DATA, of the message). */
  cut: z.strictObject({ afterBytes: z.number().int().min(0) }).optional(),
};

const ruleBase = {
  /** Shown in the transcript's scenario-action event: say what the rule plays. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be kebab-case: a-z, 0-9 and -' }),
  description: z.string().optional(),
  when: whenSchema,
  ...transportActions,
};

const smtpActions = {
  /** An SMTP reply; `close` sends it then closes the connection (421-and-close). */
  reply: z.strictObject({ code: replyCode, text: lines, close: z.boolean().default(false) }).optional(),
};

const imapActions = {
  /** Tagged NO / BAD for the command, with an optional response code (`[ALERT]`, `[UNAVAILABLE]`…). */
  no: z.strictObject({ text, code: z.string().optional() }).optional(),
  bad: z.strictObject({ text }).optional(),
  /** Untagged `* BYE text`, then the connection closes. */
  bye: z.strictObject({ text }).optional(),
  /** Untagged `* OK [ALERT] text`, then the command carries on. */
  alert: z.strictObject({ text }).optional(),
  /** The selected folder's UIDVALIDITY changes (clients must drop their cache). */
  uidvalidityChange: z.literal(true).optional(),
  /** An unsolicited `* n EXPUNGE` of the selected folder's last message. */
  expunge: z.literal(true).optional(),
  /** A sync failure real servers produce (protocols/imap/sync-faults.ts). */
  syncFault: z.enum(['modseq-backwards', 'vanished-unknown', 'closed', 'corrupt-stream']).optional(),
};

const pop3Actions = {
  /** `-ERR [CODE] text` (RFC 2449 §8 / RFC 3206 response codes); `close` closes after it. */
  err: z
    .strictObject({
      code: z.enum(['IN-USE', 'LOGIN-DELAY', 'SYS/TEMP', 'SYS/PERM', 'AUTH']).optional(),
      text,
      close: z.boolean().default(false),
    })
    .optional(),
};

type RuleSection = 'smtp' | 'imap' | 'pop3' | 'rules';

const TRANSPORT_OUTCOMES = ['disconnect', 'stall', 'throttle', 'slice', 'cut'] as const;
/** The outcome keys of each protocol's rules (a rule fires at most one verdict). */
const ACTION_KEYS = {
  smtp: Object.keys(smtpActions),
  imap: Object.keys(imapActions),
  pop3: Object.keys(pop3Actions),
} as const;
const PROTOCOL_NAMES = { smtp: 'SMTP', imap: 'IMAP', pop3: 'POP3' } as const;
/** "an SMTP", "an IMAP", "a POP3" */
const A_PROTOCOL = { smtp: 'an SMTP', imap: 'an IMAP', pop3: 'a POP3' } as const;
/** Outcome keys that replace the command's reply; the others are actions (bye, alert, …). */
const REPLY_KEYS = ['reply', 'no', 'bad', 'err'];
const USE_INSTEAD = { smtp: 'reply:', imap: 'no: or bad:', pop3: 'err:' } as const;

/**
 * The reason for a key that is another protocol's outcome (`err:` in an IMAP rule), or undefined.
 * `section` is where the rule is: a protocol's `rules`, or the top-level `rules` (transport only).
 */
export function misplacedAction(section: RuleSection, key: string): string | undefined {
  const owner = (['smtp', 'imap', 'pop3'] as const).find(
    (p) => p !== section && ACTION_KEYS[p].includes(key),
  );
  if (!owner) return undefined;
  const what = `${key} is ${A_PROTOCOL[owner]} ${REPLY_KEYS.includes(key) ? 'reply' : 'action'}`;
  if (section === 'rules')
    return `${what}; top-level rules play transport faults only (put the rule under ${owner}.rules)`;
  return `${what}; ${PROTOCOL_NAMES[section]} rules use ${USE_INSTEAD[section]}`;
}

/**
 * One outcome per rule, optionally after a delay. The "must do something" issue carries
 * `params.noOutcome` so that the loader can drop it when the reason is a misplaced outcome key.
 */
function oneOutcome(section: RuleSection) {
  const outcomes = [...TRANSPORT_OUTCOMES, ...(section === 'rules' ? [] : ACTION_KEYS[section])];
  return (rule: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const present = outcomes.filter((k) => rule[k] !== undefined);
    if (present.length > 1)
      ctx.addIssue({ code: 'custom', message: `a rule does one thing: choose one of ${present.join(', ')}` });
    if (present.length === 0 && rule.delay === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `a rule must do something (${['delay', ...outcomes].join(', ')})`,
        params: { noOutcome: true },
      });
  };
}

/** `when.command` must be a command the protocol's server dispatches, or the rule never fires. */
function knownCommand(section: RuleSection, when: When, ctx: z.RefinementCtx): void {
  // Upper-cased here too: with another key of `when` wrong, the field's own transform may not have run.
  const command = typeof when.command === 'string' ? when.command.toUpperCase() : undefined;
  if (command === undefined) return;
  const path = ['command'];
  if (section === 'rules') {
    const lists = (['smtp', 'imap', 'pop3'] as const).map((p) => knownCommands(p));
    if (lists.every((list) => list !== null) && !lists.some((list) => list!.includes(command)))
      ctx.addIssue({ code: 'custom', path, message: `${command} is not an SMTP, IMAP or POP3 command` });
    return;
  }
  const known = knownCommands(section);
  if (known && !known.includes(command))
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${command} is not ${A_PROTOCOL[section]} command (${known.join(', ')})`,
    });
}

/** Only SMTP has mail transactions (MAIL FROM to the end of DATA or RSET). */
function transactionOnlyInSmtp(section: RuleSection, when: When, ctx: z.RefinementCtx): void {
  if (section !== 'imap' && section !== 'pop3') return;
  const per = when.per === undefined ? [] : Array.isArray(when.per) ? when.per : [when.per];
  if (per.includes('transaction'))
    ctx.addIssue({
      code: 'custom',
      path: ['per'],
      message: `transaction counts SMTP mail transactions; ${PROTOCOL_NAMES[section]} rules count per session, server, client, sender or recipient`,
    });
}

/** A rule's `when`, checked for what `section`'s server can do (also when the rest of the rule is wrong). */
function whenFor(section: RuleSection) {
  // `when: () => true`: also run when another key of `when` failed (a bad `per:` would otherwise
  // hide `command: RCTP` until it is fixed); the checks read only the keys they need, defensively.
  return whenSchema.check(
    z.superRefine(
      (when, ctx) => {
        knownCommand(section, when, ctx);
        transactionOnlyInSmtp(section, when, ctx);
      },
      { when: () => true },
    ),
  );
}

const globalRule = z.strictObject({ ...ruleBase, when: whenFor('rules') }).superRefine(oneOutcome('rules'));
const smtpRule = z
  .strictObject({ ...ruleBase, when: whenFor('smtp'), ...smtpActions })
  .superRefine(oneOutcome('smtp'));
const imapRule = z
  .strictObject({ ...ruleBase, when: whenFor('imap'), ...imapActions })
  .superRefine(oneOutcome('imap'));
const pop3Rule = z
  .strictObject({ ...ruleBase, when: whenFor('pop3'), ...pop3Actions })
  .superRefine(oneOutcome('pop3'));

const protocolBase = {
  users: usersSchema.optional(),
  auth: authSchema.optional(),
  /** Greeting text: SMTP after `220 host ` (`ESMTP ...`), IMAP after `* OK `, POP3 after `+OK `. */
  greeting: z.string().optional(),
  /** The name the server gives itself on this protocol. */
  hostname: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, { error: 'must be a host name' })
    .optional(),
  /** EHLO keywords / CAPABILITY atoms / CAPA lines added or removed (by first word, case-insensitively). */
  capabilities: z
    .strictObject({ add: z.array(text).optional(), remove: z.array(text).optional() })
    .optional(),
  /** STARTTLS / STLS: offered (default), not advertised (`hide`), refused (SMTP 454, IMAP NO, POP3 -ERR),
   *  or accepted and then the handshake aborted (`abort`). */
  starttls: z.enum(['offer', 'hide', 'refuse', 'abort']).optional(),
};

export const smtpSchema = z.strictObject({
  ...protocolBase,
  /** SIZE limit advertised and enforced (RFC 1870). */
  size: count.optional(),
  rules: z.array(smtpRule).optional(),
});
export const imapSchema = z.strictObject({
  ...protocolBase,
  /** As protocolBase's, plus `beforeLogin`: the atoms listed until login (STARTTLS, LOGINDISABLED and
   *  AUTH= still follow `auth`); after login the full list without those three, as Dovecot and Gmail. */
  capabilities: z
    .strictObject({
      add: z.array(text).optional(),
      remove: z.array(text).optional(),
      beforeLogin: z.array(text).optional(),
    })
    .optional(),
  /** QUOTA (RFC 9208) of every maildrop: STORAGE in KiB and/or a MESSAGE count; APPEND/COPY past it get
   *  NO [OVERQUOTA]. */
  quota: z.strictObject({ storage: count.optional(), messages: count.optional() }).optional(),
  rules: z.array(imapRule).optional(),
});
export const pop3Schema = z.strictObject({ ...protocolBase, rules: z.array(pop3Rule).optional() });

const tlsVersion = z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

export const scenarioSchema = z.strictObject({
  /** One line shown by `mailsandbox scenarios`. */
  description: text,
  /** Default seed of the random source (`--seed` overrides it). */
  seed: z.number().int().min(0).optional(),
  /** A server personality: the real server this scenario copies (`Dovecot 2.3`); `mailsandbox
   *  scenarios` lists personalities in a group of their own. */
  personality: text.optional(),
  /** Client-triggered faults (`fail-rcpt-452@…`, src/scenario/triggers.ts); on unless false. */
  triggers: z.boolean().optional(),
  users: usersSchema.optional(),
  auth: authSchema.optional(),
  /** Messages put into maildrops at start: .eml or mbox files next to the scenario file. */
  mail: z
    .array(
      z.strictObject({
        file: text,
        user: z.string().default(''),
        folder: z.string().default('INBOX'),
      }),
    )
    .optional(),
  tls: z
    .strictObject({
      /** Which certificate every TLS listener presents; the odd ones are generated on demand and cached. */
      certificate: z.enum(['default', 'expired', 'wrong-host', 'other-ca']).default('default'),
      minVersion: tlsVersion.optional(),
      maxVersion: tlsVersion.optional(),
    })
    .optional(),
  /** Rules asked on every protocol (transport faults only), after the protocol's own rules. */
  rules: z.array(globalRule).optional(),
  smtp: smtpSchema.optional(),
  imap: imapSchema.optional(),
  pop3: pop3Schema.optional(),
  /** A recorded server's side to play back (src/replay, `mailsandbox replay`). */
  replay: replaySchema.optional(),
});

export type ScenarioDocument = z.output<typeof scenarioSchema>;
export type Point = z.output<typeof pointSchema>;
export type When = z.output<typeof whenSchema>;
export type SmtpRule = z.output<typeof smtpRule>;
export type ImapRule = z.output<typeof imapRule>;
export type Pop3Rule = z.output<typeof pop3Rule>;
export type GlobalRule = z.output<typeof globalRule>;
/** Any rule: the union of the per-protocol shapes (the outcome keys each protocol knows). */
export type Rule = SmtpRule | ImapRule | Pop3Rule | GlobalRule;
export type AuthConfig = z.output<typeof authSchema>;
export type Users = z.output<typeof usersSchema>;
export type ProtocolSection =
  z.output<typeof smtpSchema> | z.output<typeof imapSchema> | z.output<typeof pop3Schema>;
