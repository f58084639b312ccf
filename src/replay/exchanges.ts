import type { Proto } from '../transcript/events.js';
import type { Recording } from './read.js';

/** One client command of the recording and the server's whole reply to it, as recorded. */
export interface Exchange {
  command: string;
  args: string;
  reply: string[];
}

/** A message the recording showed, to be seeded with the same UID, flags and size. */
export interface ReplayMail {
  folder: string;
  /** IMAP UID, or the POP3 message number. */
  uid: number;
  flags: string[];
  size: number;
  /** Its first line as the recording showed it (a header), or empty. */
  first: string;
  uidValidity?: number;
}

export interface ReplayDocument {
  proto: Proto;
  listener: string | null;
  greeting: string[];
  exchanges: Exchange[];
  mail: ReplayMail[];
}

/** The name and arguments of a command line (`UID FETCH` is one name, as in scenario rules). */
export function splitCommand(proto: Proto, line: string): { tag: string; command: string; args: string } {
  const words = line.split(' ');
  const tag = proto === 'imap' ? (words.shift() ?? '') : '';
  let command = (words.shift() ?? '').toUpperCase();
  if (proto === 'imap' && command === 'UID' && words.length) command += ' ' + words.shift()!.toUpperCase();
  return { tag, command, args: words.join(' ') };
}

/** The key a SASL response is recorded under (its reply follows the client's base64 line). */
export const SASL_RESPONSE = 'AUTH-RESPONSE';

/**
 * Groups a recording into exchanges: each client command with the server lines that answer it (SMTP
 * and POP3: up to the next command; IMAP: up to the tagged completion, `+` continuations included).
 * Lines that are not commands (DATA bodies, SASL responses, IMAP literals and DONE) stay with theirs.
 */
export function toExchanges(rec: Recording): { greeting: string[]; exchanges: Exchange[] } {
  const lines = rec.lines;
  let i = 0;
  const greeting: string[] = [];
  while (i < lines.length && lines[i]!.dir === 'S') greeting.push(lines[i++]!.line);
  type Open = Exchange & { tag: string; open: boolean };
  const exchanges: Open[] = [];
  let current: Open | null = null;
  let mode: 'command' | 'data' | 'sasl' = 'command';
  for (; i < lines.length; i++) {
    const { dir, line } = lines[i]!;
    if (dir === 'S') {
      if (!current) continue;
      current.reply.push(line);
      if (rec.proto === 'imap' && line.startsWith(current.tag + ' ')) current.open = false;
      if (rec.proto !== 'imap' && isLastLine(rec.proto, line))
        mode = nextMode(rec.proto, current, line, mode);
      continue;
    }
    if (rec.proto === 'imap' && current?.open) continue;
    if (mode === 'data') {
      if (line === '.') {
        mode = 'command';
        exchanges.push((current = { command: '.', args: '', reply: [], tag: '', open: true }));
      }
      continue;
    }
    if (mode === 'sasl') {
      mode = 'command';
      exchanges.push((current = { command: SASL_RESPONSE, args: '', reply: [], tag: '', open: true }));
      continue;
    }
    const { tag, command, args } = splitCommand(rec.proto, line);
    exchanges.push((current = { command, args, reply: [], tag, open: true }));
  }
  return { greeting, exchanges: exchanges.map(({ command, args, reply }) => ({ command, args, reply })) };
}

function isLastLine(proto: Proto, line: string): boolean {
  return proto === 'smtp' ? !/^\d{3}-/.test(line) : true;
}

function nextMode(proto: Proto, ex: Exchange, line: string, mode: 'command' | 'data' | 'sasl') {
  if (proto === 'smtp' && ex.command === 'DATA' && line.startsWith('354')) return 'data' as const;
  const saslStep =
    (proto === 'smtp' && line.startsWith('334')) || (proto === 'pop3' && /^\+( |$)/.test(line));
  if (saslStep && (ex.command === 'AUTH' || ex.command === SASL_RESPONSE)) return 'sasl' as const;
  return mode;
}
