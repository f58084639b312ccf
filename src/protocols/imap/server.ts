import type { ListenerInfo } from '../../core/session.js';
import type { ProtocolContext, ProtocolHandler } from '../context.js';
import { ImapSession } from './session.js';

/** IMAP on one listener (143 with STARTTLS, 993 with implicit TLS done by the core). */
export function createImapHandler(_listener: ListenerInfo, ctx: ProtocolContext): ProtocolHandler {
  return {
    accept(session) {
      new ImapSession(session, ctx).start();
    },
    close: async () => {},
  };
}
