/**
 * The one error factory of the IMAP side: a command fails by throwing one of these; the dispatcher
 * renders it as the tagged reply (`tag NO [CODE] text` / `tag BAD text`). Nothing else reaches the socket.
 */
export class ImapError extends Error {
  constructor(
    readonly status: 'NO' | 'BAD',
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }

  /** `[CODE] text` as it follows the status word. */
  get responseText(): string {
    return this.code ? `[${this.code}] ${this.message}` : this.message;
  }
}

/** The command was understood but cannot be carried out (RFC 3501 §7.1.2). */
export function no(message: string, code: string | null = null): ImapError {
  return new ImapError('NO', code, message);
}

/** The command was not understood: syntax, wrong state, unknown name (RFC 3501 §7.1.3). */
export function bad(message: string, code: string | null = null): ImapError {
  return new ImapError('BAD', code, message);
}
