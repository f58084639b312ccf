import type { Proto, TranscriptEvent } from '../transcript/events.js';

const MAX_OPEN_TAGS = 1_000;

const NOTHING_OFFERED: ReadonlySet<string> = new Set();

/**
 * IMAP capability lists, one shared set per text: every session of a listener is told the same list,
 * and ~60 names kept by each session's findings were 1.3 KB of every idle IMAP session.
 */
const capabilityLists = new Map<string, ReadonlySet<string>>();
const MAX_CAPABILITY_LISTS = 256;

function capabilityList(text: string): ReadonlySet<string> {
  let list = capabilityLists.get(text);
  if (!list) {
    list = new Set(
      text
        .split(' ')
        .filter(Boolean)
        .map((c) => c.toUpperCase()),
    );
    // Bounded: a scenario's odd list per session cannot grow it without end.
    if (capabilityLists.size >= MAX_CAPABILITY_LISTS)
      capabilityLists.delete(capabilityLists.keys().next().value!);
    capabilityLists.set(text, list);
  }
  return list;
}

/** A client command, as the transcript showed it. */
export interface Command {
  /** Upper case: `MAIL`, `LOGIN`, `UID`; `CONNECT` for the greeting, `.` for the end of DATA. */
  verb: string;
  /** The rest of the line after the verb (after the tag for IMAP). */
  args: string;
  tag: string | null;
  line: number;
  seq: number;
  time: number;
  /** Sent before the reply to the one before it (the event says so, or IMAP's arrival order shows it). */
  pipelined: boolean;
}

/** The reply that ended a command: `ok` false for 4xx/5xx, NO/BAD, -ERR. */
export interface Reply {
  ok: boolean;
  /** `250`, `OK`, `NO`, `+OK`, `-ERR`. */
  code: string;
  text: string;
  line: number;
  seq: number;
}

/** What a rule can read about the session at any point. */
export interface SessionView {
  readonly key: string;
  readonly proto: Proto;
  readonly listener: string;
  /** Client address without the port: cross-session rules key on it. */
  readonly clientAddress: string;
  readonly secure: boolean;
  /** Capabilities as the server last announced them, upper case (`STARTTLS`, `PIPELINING`, `STLS`, `LOGINDISABLED`). */
  readonly offered: ReadonlySet<string>;
  /** Verbs the client sent so far. */
  readonly sent: ReadonlySet<string>;
  readonly user: string | null;
}

export interface ConversationHooks {
  command(cmd: Command): void;
  reply(cmd: Command, reply: Reply): void;
  /** Every event, after the session view took it in, with its line number. */
  event(event: TranscriptEvent, line: number): void;
}

/**
 * Reads one session's events as commands and their replies, per protocol, so rules need not know
 * the framing: SMTP multi-line replies (RFC 5321 §4.2.1) and DATA, IMAP tags and continuations
 * (RFC 3501 §7.5), POP3 status lines and multi-line bodies (RFC 1939 §3); SASL exchanges in all three.
 */
export class Conversation implements SessionView {
  proto: Proto;
  listener = '?';
  clientAddress = '?';
  clientPort = 0;
  secure = false;
  tlsLabel = 'plain';
  user: string | null = null;
  offered: ReadonlySet<string> = NOTHING_OFFERED;
  /** SMTP's EHLO reply and POP3's CAPA list arrive a line at a time: the set those lines go into. */
  private announcing: Set<string> | null = null;
  readonly sent = new Set<string>();
  lines = 0;
  closed = false;
  /** SMTP/POP3: the command waiting for its reply. IMAP: by tag. */
  private pending: Command | null = null;
  /** IMAP only, made at the first tagged command. */
  private tagged: Map<string, Command> | null = null;
  /** The server asked for more (334, `+ `): the next client line is data, not a command. */
  private continuation = false;
  private inData = false;
  /** POP3: server lines after a status line, up to the next command, are a body (CAPA lists capabilities). */
  private pop3Body: 'capa' | 'other' | null = null;
  /** SMTP: the reply is multi-line EHLO capabilities. */
  private greeted = false;

  constructor(
    readonly key: string,
    first: TranscriptEvent,
    private readonly hooks: ConversationHooks,
  ) {
    this.proto = first.proto;
  }

  take(event: TranscriptEvent): void {
    const line = ++this.lines;
    switch (event.type) {
      case 'session-open':
        this.listener = event.listener;
        this.clientAddress = event.remoteAddress;
        this.clientPort = event.remotePort;
        break;
      case 'tls-upgraded':
        this.secure = true;
        this.tlsLabel = event.how === 'starttls' ? `STARTTLS→${event.protocol}` : event.protocol;
        // RFC 3207 §4.2, RFC 3501 §6.2.1: what was announced before TLS no longer counts.
        this.offered = NOTHING_OFFERED;
        this.continuation = false;
        break;
      case 'auth':
        if (event.ok) this.user = event.username;
        break;
      case 'client-line':
        this.clientLine(event, line);
        break;
      case 'server-line':
        this.serverLine(event, line);
        break;
      case 'session-close':
        this.closed = true;
        break;
      default:
        break;
    }
    this.hooks.event(event, line);
  }

  private command(
    event: TranscriptEvent & { type: 'client-line' },
    line: number,
    tag: string | null,
    rest: string,
  ): void {
    const space = rest.indexOf(' ');
    const verb = (space < 0 ? rest : rest.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : rest.slice(space + 1);
    const cmd: Command = {
      verb,
      args,
      tag,
      line,
      seq: event.seq,
      time: event.time,
      // IMAP lines are published as they arrive: a tag still open means its reply had not gone out.
      pipelined: event.pipelined === true || (this.proto === 'imap' && !!this.tagged?.size),
    };
    // Bounded: a client sending made-up verbs cannot grow it (the rules ask only for real ones).
    if (this.sent.size < 64) this.sent.add(verb);
    if (tag !== null) {
      const tagged = (this.tagged ??= new Map());
      tagged.set(tag, cmd);
      // Bounded: tags the server never answered (a cut session) are forgotten oldest first.
      if (tagged.size > MAX_OPEN_TAGS) tagged.delete(tagged.keys().next().value!);
    } else this.pending = cmd;
    this.pop3Body = null;
    this.hooks.command(cmd);
  }

  private clientLine(event: TranscriptEvent & { type: 'client-line' }, line: number): void {
    const text = event.line;
    if (this.continuation) {
      this.continuation = false;
      return;
    }
    if (this.proto === 'smtp') {
      if (this.inData) {
        if (text === '.') {
          this.inData = false;
          this.command(event, line, null, '.');
        }
        return;
      }
      this.command(event, line, null, text);
    } else if (this.proto === 'pop3') {
      this.command(event, line, null, text);
    } else {
      if (/^\{\d+ bytes literal\}/.test(text) || text.toUpperCase() === 'DONE') return;
      const m = /^(\S+) (.*)$/.exec(text);
      if (m) this.command(event, line, m[1]!, m[2]!);
    }
  }

  private finish(cmd: Command | null, reply: Reply): void {
    if (cmd) this.hooks.reply(cmd, reply);
  }

  private serverLine(event: TranscriptEvent & { type: 'server-line' }, line: number): void {
    const text = event.line;
    if (this.proto === 'smtp') return this.smtpReply(event, text, line);
    if (this.proto === 'pop3') return this.pop3Reply(event, text, line);
    return this.imapReply(event, text, line);
  }

  private greetingCommand(line: number, event: TranscriptEvent): Command {
    return { verb: 'CONNECT', args: '', tag: null, line, seq: event.seq, time: event.time, pipelined: false };
  }

  private smtpReply(event: TranscriptEvent, text: string, line: number): void {
    // RFC 5321 §4.2: three digits, then a space (last line), a hyphen (more follow) or nothing.
    if (!/^\d{3}(?:[ -]|$)/.test(text)) return;
    const code = text.slice(0, 3);
    const sep = text[3];
    const cmd = this.pending ?? (this.greeted ? null : this.greetingCommand(line, event));
    // RFC 5321 §4.1.1.1: each line after the first of the EHLO reply is a keyword and its parameters.
    if (cmd?.verb === 'EHLO') {
      if (this.replyLines === 0) this.offered = this.announcing = new Set();
      else this.announcing?.add(text.slice(4).split(' ')[0]!.toUpperCase());
    }
    this.replyLines++;
    if (sep === '-') return;
    this.replyLines = 0;
    this.greeted = true;
    if (code === '334') {
      this.continuation = true;
      return;
    }
    if (code === '354') this.inData = true;
    this.pending = null;
    this.finish(cmd, { ok: code[0] === '2' || code[0] === '3', code, text, line, seq: event.seq });
  }

  private replyLines = 0;

  private pop3Reply(event: TranscriptEvent, text: string, line: number): void {
    if (this.pop3Body) {
      if (text === '.') this.pop3Body = null;
      else if (this.pop3Body === 'capa') this.announcing?.add(text.split(' ')[0]!.toUpperCase());
      return;
    }
    const cmd = this.pending ?? (this.greeted ? null : this.greetingCommand(line, event));
    if (!cmd) return;
    this.greeted = true;
    if (text === '+' || text.startsWith('+ ')) {
      this.continuation = true;
      return;
    }
    const ok = /^\+OK\b/i.test(text);
    if (!ok && !/^-ERR\b/i.test(text)) return;
    this.pending = null;
    // RFC 1939 §3: these answer +OK with a multi-line body ending in a lone dot.
    const multi =
      cmd.verb === 'CAPA' ||
      cmd.verb === 'RETR' ||
      cmd.verb === 'TOP' ||
      ((cmd.verb === 'LIST' || cmd.verb === 'UIDL') && cmd.args.trim() === '') ||
      (cmd.verb === 'AUTH' && cmd.args.trim() === '');
    if (ok && multi) {
      this.pop3Body = cmd.verb === 'CAPA' ? 'capa' : 'other';
      if (cmd.verb === 'CAPA') this.offered = this.announcing = new Set();
    }
    this.finish(cmd, { ok, code: ok ? '+OK' : '-ERR', text, line, seq: event.seq });
  }

  private imapReply(event: TranscriptEvent, text: string, line: number): void {
    if (text === '+' || text.startsWith('+ ')) {
      this.continuation = true;
      return;
    }
    // `* 12 FETCH …`, `* 3 EXISTS`, `* 7 EXPUNGE`: neither capabilities nor a command's end. They are
    // most server lines (a FETCH of a big mailbox is one per message), so no pattern is tried on them.
    if (text.charCodeAt(0) === 42 && text.charCodeAt(1) === 32 && isDigit(text.charCodeAt(2))) return;
    const caps = /(?:^\* CAPABILITY |\[CAPABILITY )([^\]]*)/i.exec(text);
    if (caps) {
      this.offered = capabilityList(caps[1]!);
    }
    const m = /^(\S+) (OK|NO|BAD)\b/i.exec(text);
    if (!m || m[1] === '*') return;
    const cmd = this.tagged?.get(m[1]!);
    if (!cmd) return;
    this.tagged!.delete(m[1]!);
    this.continuation = false;
    const code = m[2]!.toUpperCase();
    this.finish(cmd, { ok: code === 'OK', code, text, line, seq: event.seq });
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
