import type { Session } from '../core/session.js';
import { describeChallenge, describeSaslPayload } from '../transcript/decode.js';

/** What `--redact` puts in place of a password or token, in the UI, the log and the files. */
export const REDACTED = '***';

/** Secrets a decoded SASL payload shows (`password="…"`, `token="…"`, a CRAM digest, a SCRAM proof). */
const SECRET_FIELD = /\b(password|token|digest|proof)=("(?:[^"\\]|\\.)*"|\S+)/g;

export function redactDecoded(decoded: string): string {
  return decoded.replace(SECRET_FIELD, `$1=${REDACTED}`);
}

function hasSecret(decoded: string): boolean {
  return new RegExp(SECRET_FIELD.source).test(decoded);
}

/**
 * Follows one SASL exchange as it passes through the proxy (AUTH, AUTHENTICATE): shows each client
 * payload decoded (transcript/decode.ts, the same reading as the sandbox's own sessions), keeps the
 * user name for the `auth` event, and with `--redact` hides the payloads that carry a secret.
 */
export class SaslWatch {
  private index = 0;
  user = '';

  constructor(
    readonly mechanism: string,
    private readonly redact: boolean,
  ) {}

  /** The client's payload as the transcript shows it: the line (maybe redacted) and its reading. */
  payload(text: string): { line: string; decoded: string } {
    const decoded = describeSaslPayload(this.mechanism, text, this.index++);
    this.user ||= /\buser=("(?:[^"\\]|\\.)*")/.exec(decoded)?.[1]?.slice(1, -1) ?? '';
    if (this.redact && hasSecret(decoded)) return { line: REDACTED, decoded: redactDecoded(decoded) };
    return { line: text, decoded };
  }

  challenge(text: string): string | undefined {
    return describeChallenge(text);
  }
}

/** A client line whose tail is a password in clear (IMAP LOGIN, POP3 PASS), redacted when asked. */
export function redactTail(line: string, keep: number, redact: boolean): string {
  if (!redact) return line;
  const words = line.split(' ');
  if (words.length <= keep) return line;
  return [...words.slice(0, keep), REDACTED].join(' ');
}

/** Publishes the outcome of a login that went through the proxy. */
export function publishAuth(session: Session, mechanism: string, user: string, ok: boolean): void {
  session.auth(mechanism, user, ok);
}
