// Loaded with the servers: their command names reach the scenario schema before any file is read.
import './command-names.js';
import type { ListenerInfo } from '../core/session.js';
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
