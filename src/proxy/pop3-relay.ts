import type { ActiveVerdict } from '../scenario/verdicts.js';
import { redactTail, SaslWatch } from './auth-view.js';
import { playInProxy, type Played } from './play.js';
import { Relay } from './relay.js';

interface Owed {
  command: string;
  args: string;
  local?: { lines: string[]; close: boolean; then?: () => void };
  replace?: string[];
}

/** RFC 1939 §3 / RFC 2449 §5: these answer `+OK` with a multi-line body ending in a lone dot. */
function multiLine(command: string, args: string): boolean {
  if (command === 'RETR' || command === 'TOP' || command === 'CAPA') return true;
  // LIST and UIDL with a message number answer on one line; `AUTH` alone lists the mechanisms.
  return (command === 'LIST' || command === 'UIDL' || command === 'AUTH') && args.trim() === '';
}

/** POP3 through the proxy: status lines in order, multi-line bodies to their dot, SASL by `+ `. */
export class Pop3Relay extends Relay {
  private owed: Owed[] = [{ command: 'greeting', args: '' }];
  /** A multi-line body is passing: its command, whether the client sees it, and its size. */
  private body: { command: string; shown: boolean; bytes: number; lines: number; stls?: boolean } | null =
    null;
  private sasl: SaslWatch | null = null;
  private mode: 'command' | 'sasl' = 'command';
  private user = '';

  protected goodbye(reason: string): string {
    return `-ERR [SYS/TEMP] ${reason}`;
  }

  override async start(): Promise<void> {
    if (!(await this.playOpening((v) => this.render(v)))) return;
    const greeting = this.options.recorded?.('greeting', '');
    if (greeting) this.owed[0]!.replace = greeting;
    await super.start();
  }

  private render(v: ActiveVerdict): Played | null {
    if (v.kind !== 'refuse') return null;
    return {
      kind: 'local',
      lines: [`-ERR ${v.code ? `[${v.code}] ` : ''}${v.lines.join(' ')}`],
      close: v.close,
    };
  }

  protected clientLine(raw: Buffer): void {
    const text = raw.toString('utf8');
    if (this.mode === 'sasl') {
      this.mode = 'command';
      this.session.enqueue(() => {
        const replace = this.saslResponse(this.sasl!, raw);
        this.owed.push({ command: 'AUTH', args: 'step', replace });
      });
      return;
    }
    this.session.enqueue(() => this.command(raw, text));
  }

  private async command(raw: Buffer, text: string): Promise<void> {
    const m = /^(\S+)(?: (.*))?$/.exec(text);
    const name = (m?.[1] ?? text).toUpperCase();
    const args = m?.[2] ?? '';
    if (name === 'AUTH' && args.trim()) {
      const [mech = '', initial] = args.trim().split(/\s+/);
      this.sasl = new SaslWatch(mech.toUpperCase(), this.options.redact);
      const shown = initial ? this.sasl.payload(initial) : null;
      this.session.client(shown ? `AUTH ${mech} ${shown.line}` : text, shown?.decoded);
    } else this.session.client(name === 'PASS' ? redactTail(text, 1, this.options.redact) : text);
    if (name === 'USER') this.user = args.trim();
    if (name === 'APOP') this.user = args.trim().split(/\s+/)[0] ?? '';
    const verdict = this.decide('command', { command: name, args, user: this.user || null });
    const played = await playInProxy(verdict, this.session, (v) => this.render(v));
    if (played.kind === 'stop') return;
    if (played.kind === 'local') {
      this.owed.push({ command: name, args, local: played });
      return this.payLocal();
    }
    if (name === 'STLS' && this.offersTlsItself) {
      const then = () => this.upgradeClientOnly();
      this.owed.push({
        command: name,
        args,
        local: { lines: ['+OK Begin TLS negotiation'], close: false, then },
      });
      return this.payLocal();
    }
    const recorded = this.options.recorded?.(name, args) ?? undefined;
    this.writeUp(raw);
    this.owed.push({ command: name, args, replace: recorded });
  }

  private payLocal(): void {
    while (this.owed[0]?.local && !this.body) {
      const { local } = this.owed.shift()!;
      for (const line of local!.lines) this.writeDown(line);
      if (local!.then) return local!.then();
      if (local!.close) return void this.session.close(`scenario: ${local!.lines[0]}`);
    }
  }

  protected upstreamLine(raw: Buffer): void {
    const line = raw.toString('utf8');
    if (this.body) return this.bodyLine(raw, line);
    const owed = this.owed.shift() ?? { command: 'unsolicited', args: '' };
    const ok = line.startsWith('+OK');
    if (ok && multiLine(owed.command, owed.args))
      this.body = { command: owed.command, shown: !owed.replace, bytes: 0, lines: 0 };
    if (owed.replace) {
      for (const l of owed.replace) this.writeDown(l);
    } else {
      const challenge =
        line.startsWith('+ ') || line === '+' ? this.sasl?.challenge(line.slice(2)) : undefined;
      this.writeDown(line, challenge);
    }
    this.after(owed, owed.replace?.[0] ?? line);
    this.payLocal();
  }

  private bodyLine(raw: Buffer, line: string): void {
    const body = this.body!;
    if (line === '.') {
      this.body = null;
      if (body.command === 'CAPA' && body.shown && this.offersTlsItself && !body.stls) {
        this.noteOwnStartTls('STLS');
        this.writeDown('STLS');
      }
      if (body.shown) {
        const listing = body.command !== 'RETR' && body.command !== 'TOP';
        if (!listing && !this.options.transcriptBodies)
          this.session.server(`<message body: ${body.bytes} bytes>`);
        this.writeDown('.');
      }
      this.payLocal();
      return;
    }
    if (!body.shown) return;
    body.bytes += raw.length + 2;
    body.lines++;
    if (/^STLS$/i.test(line)) body.stls = true;
    const listing = body.command !== 'RETR' && body.command !== 'TOP';
    if (listing || this.options.transcriptBodies) this.session.server(line);
    this.writeDownRaw(Buffer.concat([raw, Buffer.from('\r\n')]));
  }

  private after(owed: Owed, status: string): void {
    const ok = status.startsWith('+OK');
    if (owed.command === 'STLS' && ok) return this.upgradeBoth();
    if (owed.command === 'AUTH' && this.sasl) {
      if (status.startsWith('+ ') || status === '+') this.mode = 'sasl';
      else {
        this.session.auth(this.sasl.mechanism, this.sasl.user, ok);
        this.sasl = null;
      }
    }
    if (owed.command === 'PASS') this.session.auth('USER/PASS', this.user, ok);
    if (owed.command === 'APOP') this.session.auth('APOP', this.user, ok);
  }
}
