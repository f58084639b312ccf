import type { ActiveVerdict } from '../scenario/verdicts.js';
import { redactTail, REDACTED, SaslWatch } from './auth-view.js';
import { describeLiteral } from './literal.js';
import { playInProxy, type Played } from './play.js';
import { Relay } from './relay.js';

interface Pending {
  tag: string;
  name: string;
  args: string;
  /** Replay: the recorded untagged lines and tagged reply, said instead of the upstream's. */
  replace?: string[];
}

/** A command being assembled across its literals; `forward` is settled once the scenario answered. */
interface Assembling {
  name: string;
  forward: boolean | null;
}

/** `{n}`, `{n+}`, `{n-}` (RFC 7888) and `~{n}` (RFC 3516 literal8) at the end of a line. */
const LITERAL = /~?\{(\d+)([+-]?)\}$/;

/** Capabilities the proxy cannot carry: after COMPRESS=DEFLATE (RFC 4978) both sides speak deflate. */
const UNCARRIED = /^COMPRESS=/i;

function unquote(word: string): string {
  return word.startsWith('"') ? word.slice(1, -1).replace(/\\(.)/g, '$1') : word;
}

/** IMAP through the proxy: tagged completions, literals both ways, `+` continuations for SASL and IDLE. */
export class ImapRelay extends Relay {
  private pending = new Map<string, Pending>();
  /** The command the next `+` continuation answers. */
  private latest: Pending | null = null;
  private assembling: Assembling | null = null;
  private mode: 'command' | 'sasl' | 'idle' = 'command';
  private sasl: SaslWatch | null = null;
  private greeted = false;
  /** The upstream is in the middle of a literal: the proxy's own lines wait until it ends. */
  private upLiteral = false;
  /** A response with literals is passing: its transcript line so far, and whether the client sees it. */
  private response: { text: string; shown: boolean } | null = null;
  private heldDown: string[] = [];
  private user: string | null = null;

  protected goodbye(reason: string): string {
    return `* BYE ${reason}`;
  }

  private render(v: ActiveVerdict, tag: string): Played | null {
    if (v.kind === 'notice')
      return { kind: 'announce', lines: [`* OK${v.code ? ` [${v.code}]` : ''} ${v.text}`] };
    if (v.kind !== 'refuse') return null;
    const text = v.lines.join(' ');
    // RFC 3501 §7.1.5: BYE is untagged and the server closes; otherwise a tagged NO or BAD.
    if (v.close) return { kind: 'local', lines: [`* BYE ${text}`], close: true };
    const code = v.code ? `[${v.code}] ` : '';
    return { kind: 'local', lines: [`${tag} ${v.invalid ? 'BAD' : 'NO'} ${code}${text}`], close: false };
  }

  /** The proxy's own line, said between the upstream's lines (never inside one of its literals). */
  private say(line: string): void {
    if (this.upLiteral) this.heldDown.push(line);
    else this.writeDown(line);
  }

  // ---- client -> upstream -----------------------------------------------------------------------

  protected clientLine(raw: Buffer): void {
    const text = raw.toString('utf8');
    if (this.mode === 'sasl' || this.mode === 'idle') {
      const sasl = this.mode === 'sasl' ? this.sasl : null;
      this.mode = 'command';
      this.session.enqueue(() => {
        const shown = sasl ? sasl.payload(text) : { line: text, decoded: undefined };
        this.session.client(shown.line, shown.decoded);
        this.writeUp(raw);
      });
      return;
    }
    const cmd = this.assembling;
    if (cmd) this.session.enqueue(() => this.continued(cmd, raw, text));
    else {
      const fresh: Assembling = { name: '', forward: null };
      this.session.enqueue(() => this.command(fresh, raw, text));
      this.assembling = fresh;
    }
    const literal = LITERAL.exec(text);
    if (!literal) {
      this.assembling = null;
      return;
    }
    this.readLiteral(this.assembling!, Number(literal[1]));
  }

  private readLiteral(cmd: Assembling, size: number): void {
    let first = '';
    this.session.lineReader.readBytes(size, (chunk, done) => {
      if (first.length < 80) first += chunk.toString('utf8', 0, 80);
      const copy = Buffer.from(chunk);
      this.session.enqueue(() => {
        if (!cmd.forward) return;
        this.writeUp(copy, false);
        if (!done) return;
        const preview =
          cmd.name === 'LOGIN' && this.options.redact
            ? ` ${REDACTED}`
            : ` ${JSON.stringify(first.split(/\r?\n/)[0])}`;
        this.session.client(`{${size} bytes literal}${preview}`);
      });
    });
  }

  private continued(cmd: Assembling, raw: Buffer, text: string): void {
    if (!cmd.forward) return;
    if (text) this.session.client(text);
    this.writeUp(raw);
  }

  private async command(cmd: Assembling, raw: Buffer, text: string): Promise<void> {
    const words = text.split(' ');
    const tag = words[0] ?? '';
    let name = (words[1] ?? '').toUpperCase();
    let rest = words.slice(2);
    if (name === 'UID' && words[2]) {
      name = `UID ${words[2].toUpperCase()}`;
      rest = words.slice(3);
    }
    const args = rest.join(' ');
    cmd.name = name;
    if (name === 'AUTHENTICATE') {
      this.sasl = new SaslWatch((rest[0] ?? '').toUpperCase(), this.options.redact);
      const shown = rest[1] ? this.sasl.payload(rest[1]) : null;
      this.session.client(shown ? `${tag} ${words[1]} ${rest[0]} ${shown.line}` : text, shown?.decoded);
    } else this.session.client(name === 'LOGIN' ? redactTail(text, 3, this.options.redact) : text);
    if (name === 'LOGIN') this.user = unquote(rest[0] ?? '');
    let played = await playInProxy(
      this.decide('command', { command: name, args, user: this.user }),
      this.session,
      (v) => this.render(v, tag),
    );
    if (played.kind === 'forward' && (name === 'FETCH' || name === 'UID FETCH'))
      played = await playInProxy(
        this.decide('fetch', { command: name, args, user: this.user }),
        this.session,
        (v) => this.render(v, tag),
      );
    if (played.kind === 'stop') return void (cmd.forward = false);
    if (played.kind === 'local') {
      cmd.forward = false;
      for (const line of played.lines) this.say(line);
      if (played.close) this.session.close(`scenario: ${played.lines[0]}`);
      return;
    }
    if (played.kind === 'announce') for (const line of played.lines) this.say(line);
    if (name === 'STARTTLS' && this.offersTlsItself) {
      cmd.forward = false;
      this.say(`${tag} OK Begin TLS negotiation now`);
      return this.upgradeClientOnly();
    }
    cmd.forward = true;
    const entry: Pending = { tag, name, args, replace: this.options.recorded?.(name, args) ?? undefined };
    this.pending.set(tag, entry);
    this.latest = entry;
    this.writeUp(raw);
  }

  // ---- upstream -> client -----------------------------------------------------------------------

  /** A replaced command is pending: the upstream's untagged lines are not the client's to see. */
  private get replacing(): boolean {
    for (const p of this.pending.values()) if (p.replace) return true;
    return false;
  }

  protected upstreamLine(raw: Buffer): void {
    let line = raw.toString('utf8');
    if (this.response) return this.responsePart(line);
    if (!this.greeted) {
      this.greeted = true;
      const recorded = this.options.recorded?.('greeting', '');
      line = this.filterCapabilities(recorded?.[0] ?? line);
      this.writeDown(line);
      return;
    }
    const tag = line.slice(0, line.indexOf(' '));
    const done = this.pending.get(tag);
    if (done && /^\S+ (OK|NO|BAD)\b/i.test(line)) return this.complete(done, line);
    if (line.startsWith('+')) return this.continuation(line);
    const literal = LITERAL.exec(line);
    const shown = !this.replacing;
    if (!literal) {
      if (shown) this.writeDown(this.filterCapabilities(line));
      return;
    }
    this.response = { text: '', shown };
    this.responsePart(line);
  }

  /**
   * One piece of a response that carries literals (a FETCH with BODY[]): its bytes stream to the client
   * as they come, and the transcript gets the whole response as one line once it ends, each literal
   * shown as its size and first line, as the sandbox's own IMAP transcript shows it.
   */
  private responsePart(line: string): void {
    const response = this.response!;
    if (response.shown) this.writeDownRaw(Buffer.from(line + '\r\n'));
    response.text += line;
    const literal = LITERAL.exec(line);
    if (!literal) {
      this.response = null;
      if (response.shown) this.session.server(response.text);
      this.upLiteral = false;
      const held = this.heldDown;
      this.heldDown = [];
      for (const l of held) this.writeDown(l);
      return;
    }
    const size = Number(literal[1]);
    // As the sandbox's own FETCH shows a literal: its first line, 80 bytes of it unless --transcript-bodies.
    const limit = this.options.transcriptBodies ? 64 * 1024 : 80;
    let head = Buffer.alloc(0);
    this.upLiteral = true;
    this.upReader.readBytes(size, (chunk, done) => {
      if (head.length < limit) head = Buffer.concat([head, chunk.subarray(0, limit - head.length)]);
      if (response.shown) this.writeDownRaw(chunk);
      if (done) response.text += describeLiteral(head, size);
    });
  }

  private continuation(line: string): void {
    const cmd = this.latest;
    const decoded = cmd?.name === 'AUTHENTICATE' ? this.sasl?.challenge(line.slice(2)) : undefined;
    this.writeDown(line, decoded);
    if (cmd?.name === 'AUTHENTICATE') this.mode = 'sasl';
    if (cmd?.name === 'IDLE') {
      this.mode = 'idle';
      void this.idle(cmd);
    }
  }

  /** RFC 2177: a rule at point `idle` plays while the client still idles (a `* BYE` during IDLE). */
  private async idle(cmd: Pending): Promise<void> {
    const played = await playInProxy(
      this.decide('idle', { command: 'IDLE', user: this.user }),
      this.session,
      (v) => this.render(v, cmd.tag),
    );
    if (played.kind === 'stop' || played.kind === 'forward') return;
    if (this.pending.get(cmd.tag) !== cmd)
      return void this.session.note('info', 'scenario rule lapsed: IDLE already ended');
    for (const line of played.lines) this.say(line);
    if (played.kind === 'local' && played.close) this.session.close(`scenario: ${played.lines[0]}`);
  }

  private complete(cmd: Pending, line: string): void {
    this.pending.delete(cmd.tag);
    if (this.latest === cmd) this.latest = null;
    let lines = [this.filterCapabilities(line)];
    if (cmd.replace) {
      lines = cmd.replace.filter((l) => !l.startsWith('+'));
      const last = lines.length - 1;
      if (last >= 0 && !lines[last]!.startsWith('*'))
        lines[last] = cmd.tag + lines[last]!.slice(lines[last]!.indexOf(' '));
    }
    for (const l of lines) this.writeDown(l);
    const ok = /^\S+ OK\b/i.test(lines[lines.length - 1] ?? '');
    if (cmd.name === 'STARTTLS' && ok) return this.upgradeBoth();
    if (cmd.name === 'LOGIN') this.session.auth('LOGIN', this.user ?? '', ok);
    if (cmd.name === 'AUTHENTICATE' && this.sasl) {
      this.session.auth(this.sasl.mechanism, this.sasl.user, ok);
      if (ok) this.user = this.sasl.user;
      this.sasl = null;
    }
    if (this.mode === 'sasl' || this.mode === 'idle') this.mode = 'command';
  }

  /** `* CAPABILITY …` and `[CAPABILITY …]` without what the proxy cannot carry, said once. */
  private filterCapabilities(line: string): string {
    // RFC 3501 §7.2.1 `* CAPABILITY …`, and the `[CAPABILITY …]` response code (greeting, LOGIN's OK).
    const m = /^(\* CAPABILITY |.*?\[CAPABILITY )([^\]]*)(.*)$/i.exec(line);
    if (!m) return line;
    const atoms = m[2]!.split(' ');
    const removed = atoms.filter((a) => UNCARRIED.test(a));
    const kept = atoms.filter((a) => !UNCARRIED.test(a));
    const add = this.offersTlsItself && !atoms.some((a) => /^STARTTLS$/i.test(a));
    if (add) {
      this.noteOwnStartTls('STARTTLS');
      kept.splice(1, 0, 'STARTTLS');
    }
    if (removed.length)
      this.noteOnce(
        'compress',
        `proxy removed ${removed.join(' ')} from the capabilities: a compressed stream cannot be shown or relayed line by line`,
      );
    return removed.length || add ? m[1]! + kept.join(' ') + m[3]! : line;
  }
}
