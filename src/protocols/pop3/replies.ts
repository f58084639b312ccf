/**
 * POP3 replies. Every failure is a `Pop3Error` made by one factory per kind; the factory carries the
 * RFC 2449 §8 response code so a command never spells `[AUTH]` or `[IN-USE]` itself.
 */
export type ResponseCode = 'AUTH' | 'IN-USE' | 'SYS/TEMP' | 'SYS/PERM' | 'LOGIN-DELAY';

export interface Pop3Error {
  /** One of RFC 2449/3206's codes, or a scenario's own. */
  readonly code: ResponseCode | (string & {}) | null;
  readonly text: string;
}

/** The wire form of an error: `-ERR [CODE] text`. */
export function renderError(error: Pop3Error): string {
  return error.code ? `-ERR [${error.code}] ${error.text}` : `-ERR ${error.text}`;
}

export const errors = {
  /** A plain protocol error: bad syntax, wrong state, no such message. */
  protocol: (text: string): Pop3Error => ({ code: null, text }),
  /** RFC 3206 §4: the credentials were wrong (not a temporary problem). */
  auth: (text = 'invalid user name or password'): Pop3Error => ({ code: 'AUTH', text }),
  /** RFC 2449 §8.1.2: another session holds the maildrop lock. */
  inUse: (text = 'maildrop is locked by another POP3 session'): Pop3Error => ({ code: 'IN-USE', text }),
  /** RFC 3206 §4: a temporary server-side failure; trying again later may work. */
  sysTemp: (text: string): Pop3Error => ({ code: 'SYS/TEMP', text }),
  /** RFC 3206 §4: a permanent server-side failure; trying again will not help. */
  sysPerm: (text: string): Pop3Error => ({ code: 'SYS/PERM', text }),
  /** RFC 2449 §8.1.1: the client logged in sooner than LOGIN-DELAY allows (used by scenarios). */
  loginDelay: (text = 'minimum time between logins not yet passed'): Pop3Error => ({
    code: 'LOGIN-DELAY',
    text,
  }),
  unknownCommand: (name: string): Pop3Error => ({ code: null, text: `unknown command ${name}` }),
  wrongState: (name: string, state: string): Pop3Error => ({
    code: null,
    text: `${name} is not valid in the ${state} state`,
  }),
  noSuchMessage: (n: string, count: number): Pop3Error => ({
    code: null,
    text: `no such message ${n}, only ${count} in maildrop`,
  }),
  alreadyDeleted: (n: number): Pop3Error => ({ code: null, text: `message ${n} already deleted` }),
  lineTooLong: (): Pop3Error => ({ code: null, text: 'line too long' }),
};
