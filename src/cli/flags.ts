import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT_OFFSET, LISTENERS } from '../config/defaults.js';
import { parseUserFlag } from '../auth/verify.js';
import { DEFAULT_LIMITS } from '../config/limits.js';
import { MECHANISMS, parseMechanismList } from '../auth/registry.js';
import type { SandboxOptions } from '../sandbox.js';

export class UsageError extends Error {}

export interface CliOptions {
  sandbox: SandboxOptions;
  noTui: boolean;
  pretty: boolean;
  help: boolean;
  version: boolean;
  scenario: string | null;
  seed: number | null;
}

/** Every flag of `mailsandbox [start]`, with its help text (printed by --help, kept true by a test). */
export const FLAGS = {
  host: {
    type: 'string',
    arg: 'ADDR',
    help: `address to bind (default ${DEFAULT_HOST}; a wider bind prints a warning)`,
  },
  'port-offset': {
    type: 'string',
    arg: 'N',
    help: `added to each standard port (default ${DEFAULT_PORT_OFFSET}: SMTP 3025, IMAP 3143, …)`,
  },
  'standard-ports': {
    type: 'boolean',
    help: 'bind the standard ports 25/587/465/143/993/110/995 (needs privileges)',
  },
  'ephemeral-ports': {
    type: 'boolean',
    help: 'let the system pick a free port for every listener (printed at start)',
  },
  listeners: {
    type: 'string',
    arg: 'LIST',
    help: `only these listeners, comma-separated (${LISTENERS.map((l) => l.name).join(',')})`,
  },
  'http-token': {
    type: 'string',
    arg: 'TOKEN',
    help: 'bearer token the HTTP API asks for (required with a --host beyond this machine)',
  },
  hostname: {
    type: 'string',
    arg: 'NAME',
    help: 'the name the server gives itself in greetings (default mailsandbox.localhost)',
  },
  user: {
    type: 'string',
    multiple: true,
    arg: 'NAME:PASS',
    help: 'only this user may log in, password checked (repeatable); default: any user, any password',
  },
  'auth-mechanisms': {
    type: 'string',
    arg: 'LIST',
    help: 'SASL mechanisms offered on SMTP, IMAP and POP3, e.g. PLAIN,DIGEST-MD5,SCRAM-SHA-256 (default PLAIN,LOGIN,CRAM-MD5,XOAUTH2)',
  },
  'certs-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'where the generated certificate is kept (default ./certs)',
  },
  cert: { type: 'string', arg: 'FILE', help: 'use this certificate (PEM) instead of a generated one' },
  key: { type: 'string', arg: 'FILE', help: 'the private key (PEM) for --cert' },
  keylog: {
    type: 'string',
    arg: 'FILE',
    help: 'append NSS key-log lines of every TLS session (for Wireshark/tshark)',
  },
  maildir: {
    type: 'string',
    arg: 'DIR',
    help: 'keep mail in Maildir folders under DIR (loaded at start); default: in memory',
  },
  'body-cache': {
    type: 'string',
    arg: 'MB',
    help: 'with --maildir: megabytes of message bodies kept in memory, least recently read out first (default 16)',
  },
  'max-messages': {
    type: 'string',
    arg: 'N',
    help: 'in memory: past N messages the oldest are dropped, with a note in the transcript (default 100000; with --maildir: no cap)',
  },
  mailboxes: {
    type: 'string',
    arg: 'MODE',
    help: "'shared' (default: every login sees all mail) or 'per-user' (by address local part)",
  },
  record: { type: 'string', arg: 'DIR', help: 'write every session transcript to DIR as .txt and .jsonl' },
  'transcript-memory': {
    type: 'string',
    arg: 'MB',
    help: 'megabytes of transcript kept in memory for the UI, the HTTP API and the library, oldest events out first (default 8; at most 100,000 events)',
  },
  'transcript-bodies': {
    type: 'boolean',
    help: 'show every line of message bodies instead of a one-line summary',
  },
  'max-connections': {
    type: 'string',
    arg: 'N',
    help: `sessions each listener holds at once; past it a client gets 421 / * BYE / -ERR "Too many connections" (default ${DEFAULT_LIMITS.maxConnections})`,
  },
  scenario: {
    type: 'string',
    arg: 'NAME|FILE',
    help: 'play a scenario (a shipped name or a YAML/JSON file)',
  },
  seed: { type: 'string', arg: 'N', help: 'seed for random scenario rules (same seed, same failures)' },
  'no-triggers': {
    type: 'boolean',
    help: 'no client-triggered faults (fail-rcpt-452@…, fail-login-no, …: see README)',
  },
  'no-tui': {
    type: 'boolean',
    help: 'no terminal UI: JSON log lines on stdout (also when stdout is not a terminal)',
  },
  pretty: { type: 'boolean', help: 'with --no-tui: human-readable log lines (pino-pretty) instead of JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', short: 'v', help: 'show the version' },
} as const satisfies Record<
  string,
  { type: 'string' | 'boolean'; help: string; arg?: string; multiple?: boolean; short?: string }
>;

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

export function parseFlags(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    const reason = (err as Error).message
      .split('\n')[0]!
      .replace(/^TypeError \[\w+\]: /, '')
      .replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${reason} (mailsandbox --help lists the flags)`);
  }
  const sandbox: SandboxOptions = {};
  if (values.host !== undefined) sandbox.host = values.host;
  const portModes = [
    values['port-offset'] !== undefined,
    !!values['standard-ports'],
    !!values['ephemeral-ports'],
  ];
  if (portModes.filter(Boolean).length > 1) {
    throw new UsageError('--port-offset, --standard-ports and --ephemeral-ports exclude each other');
  }
  if (values['port-offset'] !== undefined)
    sandbox.portOffset = integer('port-offset', values['port-offset'], 0, 64_000);
  if (values['standard-ports']) sandbox.portOffset = 0;
  if (values['ephemeral-ports']) sandbox.portOffset = 'ephemeral';
  if (values.listeners !== undefined) {
    const names = values.listeners
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !LISTENERS.some((l) => l.name === n));
    if (unknown.length || names.length === 0) {
      throw new UsageError(
        `--listeners: unknown listener ${unknown.join(', ') || '(none given)'}; known: ${LISTENERS.map((l) => l.name).join(', ')}`,
      );
    }
    sandbox.listeners = names;
  }
  if (values.hostname !== undefined) {
    if (!/^[A-Za-z0-9.-]{1,253}$/.test(values.hostname))
      throw new UsageError(`--hostname: ${JSON.stringify(values.hostname)} is not a host name`);
    sandbox.hostname = values.hostname;
  }
  if (values.user) {
    const users: Record<string, string> = {};
    for (const u of values.user) {
      const pair = parseUserFlag(u);
      if (!pair) throw new UsageError(`--user: ${JSON.stringify(u)} is not NAME:PASS`);
      users[pair[0]] = pair[1];
    }
    sandbox.users = users;
  }
  if (values['auth-mechanisms'] !== undefined) {
    const list = parseMechanismList(values['auth-mechanisms']);
    if (!Array.isArray(list))
      throw new UsageError(
        `--auth-mechanisms: ${JSON.stringify(list.unknown)} is not one of ${[...MECHANISMS.keys()].join(', ')}`,
      );
    sandbox.mechanisms = list;
  }
  if ((values.cert === undefined) !== (values.key === undefined))
    throw new UsageError('--cert and --key go together');
  if (values.cert !== undefined) sandbox.certFile = values.cert;
  if (values.key !== undefined) sandbox.keyFile = values.key;
  // The CLI keeps ./certs (the README's curl/openssl lines use it); the library defaults to a cache folder.
  sandbox.certsDir = values['certs-dir'] ?? 'certs';
  if (values.keylog !== undefined) sandbox.keylogFile = values.keylog;
  if (values.maildir !== undefined) sandbox.maildir = values.maildir;
  if (values['body-cache'] !== undefined)
    sandbox.bodyCacheBytes = integer('body-cache', values['body-cache'], 0, 1_000_000) * 1024 * 1024;
  if (values['max-messages'] !== undefined)
    sandbox.maxMessages = integer('max-messages', values['max-messages'], 1, 100_000_000);
  if (values.mailboxes !== undefined) {
    if (values.mailboxes !== 'shared' && values.mailboxes !== 'per-user') {
      throw new UsageError(`--mailboxes: ${JSON.stringify(values.mailboxes)} is not 'shared' or 'per-user'`);
    }
    sandbox.mailboxes = values.mailboxes;
  }
  if (values.record !== undefined) sandbox.record = values.record;
  if (values['transcript-bodies']) sandbox.transcriptBodies = true;
  if (values['no-triggers']) sandbox.triggers = false;
  if (values['transcript-memory'] !== undefined)
    sandbox.limits = {
      ...sandbox.limits,
      transcriptBytes: integer('transcript-memory', values['transcript-memory'], 1, 1_000_000) * 1024 * 1024,
    };
  if (values['max-connections'] !== undefined)
    sandbox.limits = {
      ...sandbox.limits,
      maxConnections: integer('max-connections', values['max-connections'], 1, 1_000_000),
    };
  if (values['http-token'] !== undefined) {
    if (!/^[\x21-\x7e]{8,}$/.test(values['http-token']))
      throw new UsageError('--http-token: use at least 8 printable characters without spaces');
    sandbox.httpToken = values['http-token'];
  }
  return {
    sandbox,
    noTui: !!values['no-tui'],
    pretty: !!values.pretty,
    help: !!values.help,
    version: !!values.version,
    scenario: values.scenario ?? null,
    seed: values.seed !== undefined ? integer('seed', values.seed, 0, 2 ** 32 - 1) : null,
  };
}

export function helpText(): string {
  const rows = Object.entries(FLAGS).map(([name, f]) => {
    const short = 'short' in f ? `-${f.short}, ` : '    ';
    const left = `  ${short}--${name}${'arg' in f ? ` ${f.arg}` : ''}`;
    return `${left.padEnd(34)} ${f.help}`;
  });
  return [
    'mailsandbox — a fake SMTP/IMAP/POP3 server for debugging mail clients',
    '',
    'Usage:',
    '  mailsandbox [start] [flags]              run the sandbox',
    '  mailsandbox encode plain USER PASS [AUTHZID]  base64 of "USER\\0USER\\0PASS" (authzid\\0user\\0pass) for AUTH PLAIN',
    '  mailsandbox encode login STRING          base64 of STRING for AUTH LOGIN',
    '  mailsandbox decode BASE64                decode an AUTH string (NUL shown as \\0)',
    '  mailsandbox cram-md5 USER PASS CHALLENGE the client answer to a CRAM-MD5 challenge (base64 in and out)',
    '  mailsandbox scenarios                    list the shipped scenarios',
    '  mailsandbox validate FILE                check a scenario file',
    '  mailsandbox report DIR [--json]          what the clients did wrong, from a --record folder',
    '  mailsandbox proxy --upstream L=HOST:PORT record a real server (mailsandbox proxy --help)',
    '  mailsandbox replay REC -o FILE.yaml      a recording as a scenario that plays its server (replay --help)',
    '',
    'Flags:',
    ...rows,
    '',
  ].join('\n');
}
