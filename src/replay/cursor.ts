import type { Proto } from '../transcript/events.js';
import { BODY_SUMMARY, SERVER_LITERAL, standIn } from './mail.js';
import type { ReplaySection } from './schema.js';

type Exchange = ReplaySection['exchanges'][number];

/**
 * The recorded lines as they go on the wire: a literal the recording showed only as its size and
 * first line (`{561} <561 bytes: "From: …">`) and a POP3 body shown as `<message body: N bytes>`
 * become stand-in bytes of that size (the seeded message has the same bytes, mail.ts standIn).
 */
export function wireLines(proto: Proto, lines: string[]): string[] {
  return lines.map((line) => {
    if (proto === 'imap')
      return line.replace(SERVER_LITERAL, (_m, size: string, quoted?: string) => {
        let first = '';
        try {
          first = quoted ? (JSON.parse(quoted) as string) : '';
        } catch {
          first = '';
        }
        return `{${size}}\r\n${standIn(Number(size), first).toString('latin1')}`;
      });
    const body = proto === 'pop3' ? BODY_SUMMARY.exec(line) : null;
    return body ? standIn(Number(body[1]), '').toString('latin1').replace(/\r\n$/, '') : line;
  });
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
