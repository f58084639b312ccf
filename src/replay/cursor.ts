import type { Proto } from '../transcript/events.js';
import { BODY_SUMMARY, LITERAL_SUMMARY, standIn } from './mail.js';
import type { ReplaySection } from './schema.js';

type Exchange = ReplaySection['exchanges'][number];

/**
 * The recorded lines as they go on the wire: a literal the recording showed only as its size and
 * first line (`{561 bytes literal} "From: …"`) and a POP3 body shown as `<message body: N bytes>`
 * become stand-in bytes of that size (the seeded message has the same bytes, mail.ts standIn).
 */
export function wireLines(proto: Proto, lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const literal = proto === 'imap' ? /\{(\d+)\}$/.exec(line) : null;
    const summary = literal ? LITERAL_SUMMARY.exec(lines[i + 1] ?? '') : null;
    if (literal && summary) {
      let first = '';
      try {
        first = summary[2] ? (JSON.parse(summary[2]) as string) : '';
      } catch {
        first = '';
      }
      const bytes = standIn(Number(literal[1]), first.split(/\r?\n/)[0]!).toString('latin1');
      out.push(`${line}\r\n${bytes}${lines[i + 2] ?? ''}`);
      i += 2;
      continue;
    }
    const body = proto === 'pop3' ? BODY_SUMMARY.exec(line) : null;
    if (body) {
      out.push(standIn(Number(body[1]), '').toString('latin1').replace(/\r\n$/, ''));
      continue;
    }
    out.push(line);
  }
  return out;
}

/**
 * One replayed session's place in the recording: each client command gets the first unused recorded
 * exchange with the same command and arguments, else the first unused one of the same command; a
 * command the recording never saw gets the sandbox's normal answer, with a note saying so.
 */
export class ReplayCursor {
  private readonly used = new Set<Exchange>();
  private greeted = false;

  constructor(
    private readonly replay: ReplaySection,
    private readonly note: (text: string) => void,
  ) {}

  readonly reply = (command: string, args: string): string[] | null => {
    const proto = this.replay.protocol;
    if (command === 'greeting') {
      if (this.greeted) return null;
      this.greeted = true;
      return wireLines(proto, this.replay.greeting);
    }
    const same = (e: Exchange) => !this.used.has(e) && e.command === command;
    const wanted = args.trim().toLowerCase();
    const found =
      this.replay.exchanges.find((e) => same(e) && e.args.trim().toLowerCase() === wanted) ??
      this.replay.exchanges.find(same);
    if (!found) {
      this.note(
        `${command}${args ? ' ' + args : ''} is not in the recording: the sandbox answers it normally`,
      );
      return null;
    }
    this.used.add(found);
    return wireLines(proto, found.reply);
  };
}
