// Loaded with the servers: their command names reach the scenario schema before any file is read.
import './command-names.js';
import type { ListenerInfo } from '../core/session.js';
import type { Goodbyes } from '../core/shutdown.js';
import type { Proto } from '../transcript/events.js';
import type { ProtocolContext, ProtocolHandler } from './context.js';
import { createImapHandler } from './imap/server.js';
import { createPop3Handler } from './pop3/server.js';
import { createSmtpHandler } from './smtp/server.js';

/** Protocol → the factory of its handler for one listener. */
export const PROTOCOLS: Partial<
  Record<Proto, (listener: ListenerInfo, ctx: ProtocolContext) => ProtocolHandler>
> = {
  smtp: createSmtpHandler,
  pop3: createPop3Handler,
  imap: createImapHandler,
};

/**
 * What each protocol says when the sandbox will not serve a client: at shutdown (postfix's
 * `421 4.3.2 Service shutting down`, RFC 3463 §3.5 "system not accepting network messages"; IMAP's
 * untagged BYE, RFC 3501 §7.1.5; POP3's -ERR before closing) and past the connection cap (RFC 3463
 * 4.7.0; RFC 2449 §8 [SYS/TEMP]: a temporary problem, try later).
 */
export const GOODBYES: Record<Proto, Goodbyes> = {
  smtp: { shutdown: '421 4.3.2 Service shutting down', tooMany: '421 4.7.0 Too many connections' },
  imap: { shutdown: '* BYE Server shutting down.', tooMany: '* BYE Too many connections' },
  pop3: { shutdown: '-ERR Server shutting down.', tooMany: '-ERR [SYS/TEMP] Too many connections' },
};
