import type { Session } from '../core/session.js';
import type { ActiveVerdict } from '../scenario/verdicts.js';
import { SaslWatch } from './auth-view.js';
import { playInProxy, type Played } from './play.js';
import { Relay, type RelayOptions } from './relay.js';

/** A reply the client is owed, in order (RFC 2920 §3: replies come in the order of the commands). */
interface Owed {
  command: string;
  /** Not sent upstream: the scenario's reply, said when its turn comes. */
  local?: { lines: string[]; close: boolean; then?: () => void };
  /** Sent upstream, but the client gets these lines instead of the upstream's (replay, data-end rules). */
  replace?: { lines: string[]; why: string | null };
}

/**
 * EHLO keywords the proxy cannot carry faithfully: BDAT chunks are counted bytes, not lines
 * (RFC 3030), and the proxy frames lines; BINARYMIME needs CHUNKING.
 */
const UNCARRIED = /^(CHUNKING|BINARYMIME)\b/i;

const REPLY = /^(\d{3})([ -]?)/;

function smtpLines(code: number, lines: string[]): string[] {
  return lines.map((text, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${text}`);
}

/** SMTP through the proxy: replies framed by their `NNN-` continuation, DATA by its dot, AUTH by 334. */
export class SmtpRelay extends Relay {
  private owed: Owed[] = [{ command: 'greeting' }];
  private reply: string[] = [];
  private mode: 'command' | 'data' | 'sasl' = 'command';
  private body = 0;
  private sasl: SaslWatch | null = null;
  private user: string | null = null;
  private transaction = 0;
  private sender = '';

  constructor(session: Session, options: RelayOptions) {
    super(session, options);
  }

  protected goodbye(reason: string): string {
    return `421 4.4.0 ${reason}`;
  }

  override async start(): Promise<void> {
    if (!(await this.playOpening((v) => this.render(v)))) return;
    const greeting = this.options.recorded?.('greeting', '');
    if (greeting) this.owed[0]!.replace = { lines: greeting, why: null };
    await super.start();
  }

  private render(v: ActiveVerdict): Played | null {
    if (v.kind !== 'refuse' || v.replyCode === null) return null;
    return { kind: 'local', lines: smtpLines(v.replyCode, v.lines), close: v.close };
  }

  // ---- client -> upstream -----------------------------------------------------------------------

  protected clientLine(raw: Buffer): void {
    const text = raw.toString('utf8');
    if (this.mode === 'data') {
      if (text === '.') {
        this.mode = 'command';
        const size = this.body;
        this.body = 0;
        this.session.enqueue(() => this.dataEnd(size));
        return;
      }
      this.body += raw.length + 2;
      this.session.enqueue(() => {
        if (this.options.transcriptBodies) this.session.client(text);
        this.writeUp(raw);
      });
      return;
    }
    if (this.mode === 'sasl') {
      this.mode = 'command';
      this.session.enqueue(() => {
        const recorded = this.saslResponse(this.sasl!, raw);
        this.owed.push({ command: 'AUTH', replace: recorded ? { lines: recorded, why: null } : undefined });
      });
      return;
    }
    this.session.enqueue(() => this.command(raw, text));
  }

  private async command(raw: Buffer, text: string): Promise<void> {
    const m = /^([A-Za-z]+)(?: (.*))?$/.exec(text);
    const name = (m?.[1] ?? text).toUpperCase();
    const args = m?.[2] ?? '';
    if (name === 'AUTH') {
      const [mech = '', initial] = args.split(/\s+/);
      this.sasl = new SaslWatch(mech.toUpperCase(), this.options.redact);
      const shown = initial ? this.sasl.payload(initial) : null;
      this.session.client(shown ? `AUTH ${mech} ${shown.line}` : text, shown?.decoded);
    } else this.session.client(text);
    if (name === 'MAIL') {
      this.transaction++;
      this.sender = /<([^>]*)>/.exec(args)?.[1] ?? args;
    }
    const recipient = name === 'RCPT' ? (/<([^>]*)>/.exec(args)?.[1] ?? args) : undefined;
    const verdict = this.decide('command', {
      command: name,
      args,
      user: this.user,
      sender: this.sender,
      recipient,
      transaction: this.transaction,
    });
    const played = await playInProxy(verdict, this.session, (v) => this.render(v));
    if (played.kind === 'stop') return;
    if (played.kind === 'local') return this.owe({ command: name, local: played });
    if (name === 'STARTTLS' && this.offersTlsItself) {
      const then = () => this.upgradeClientOnly();
      return this.owe({
        command: name,
        local: { lines: ['220 2.0.0 Ready to start TLS'], close: false, then },
      });
    }
    const recorded = this.options.recorded?.(name, args);
    this.writeUp(raw);
    this.owed.push({ command: name, replace: recorded ? { lines: recorded, why: null } : undefined });
  }

  private async dataEnd(size: number): Promise<void> {
    this.session.client(`<message body: ${size} bytes>`);
    this.session.client('.');
    const played = await playInProxy(
      this.decide('data-end', { transaction: this.transaction }),
      this.session,
      (v) => this.render(v),
    );
    if (played.kind === 'stop') return;
    // The message went upstream already: its end goes too, and the rule's reply replaces the upstream's.
    this.writeUp('.');
    const recorded = this.options.recorded?.('.', '');
    const replace =
      played.kind === 'local'
        ? { lines: played.lines, why: 'the scenario rule replaced it' }
        : recorded
          ? { lines: recorded, why: null }
          : undefined;
    this.owed.push({ command: '.', replace });
    if (played.kind === 'local' && played.close)
      this.owed.push({ command: '.', local: { lines: [], close: true } });
  }

  /** A reply the proxy gives itself, in its turn behind the upstream's replies still owed. */
  private owe(entry: Owed): void {
    this.owed.push(entry);
    this.payLocal();
  }

  private payLocal(): void {
    while (this.owed[0]?.local) {
      const { local } = this.owed.shift()!;
      for (const line of local!.lines) this.writeDown(line);
      if (local!.then) return local!.then();
      if (local!.close) {
        this.session.close(`scenario: ${local!.lines[0] ?? 'close'}`);
        return;
      }
    }
  }

  // ---- upstream -> client -----------------------------------------------------------------------

  protected upstreamLine(raw: Buffer): void {
    const line = raw.toString('utf8');
    this.reply.push(line);
    if (REPLY.exec(line)?.[2] === '-' && this.reply.length < 1000) return;
    const lines = this.reply;
    this.reply = [];
    this.answer(lines);
  }

  private answer(upstream: string[]): void {
    const owed = this.owed.shift() ?? { command: 'unsolicited' };
    let lines = owed.command === 'EHLO' ? this.filterEhlo(upstream) : upstream;
    if (owed.replace) {
      if (owed.replace.why)
        this.session.note('info', `upstream replied ${upstream.join(' / ')}; ${owed.replace.why}`);
      lines = owed.replace.lines;
    }
    const code = lines[lines.length - 1]?.slice(0, 3) ?? '';
    for (const line of lines) {
      const challenge = code === '334' ? this.sasl?.challenge(line.slice(4)) : undefined;
      this.writeDown(line, challenge);
    }
    this.after(owed.command, code);
    this.payLocal();
  }

  /** What a reply changes: DATA mode, a SASL step, a login, both legs on TLS. */
  private after(command: string, code: string): void {
    if (command === 'STARTTLS' && code === '220') return this.upgradeBoth();
    if (command === 'DATA' && code === '354') this.mode = 'data';
    if (command === 'AUTH' && this.sasl) {
      if (code === '334') this.mode = 'sasl';
      else {
        const ok = code === '235';
        this.session.auth(this.sasl.mechanism, this.sasl.user, ok);
        if (ok) this.user = this.sasl.user;
        this.sasl = null;
      }
    }
  }

  private filterEhlo(lines: string[]): string[] {
    const code = lines[0]?.slice(0, 3) ?? '';
    if (code !== '250') return lines;
    const texts = lines.map((l) => l.slice(4));
    const kept = texts.filter((t, i) => i === 0 || !UNCARRIED.test(t));
    if (this.offersTlsItself && !texts.some((t) => /^STARTTLS$/i.test(t))) {
      this.noteOwnStartTls('STARTTLS');
      kept.push('STARTTLS');
    }
    if (kept.length === texts.length) return lines;
    const removed = texts.filter((t) => !kept.includes(t)).map((t) => t.split(' ')[0]);
    if (removed.length)
      this.noteOnce(
        'ehlo',
        `proxy removed ${removed.join(', ')} from the EHLO reply: BDAT chunks are counted bytes the proxy cannot carry line by line (the client sends DATA instead)`,
      );
    return smtpLines(250, kept);
  }
}
