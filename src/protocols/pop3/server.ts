import type { ListenerInfo, Session } from '../../core/session.js';
import type { ProtocolContext, ProtocolHandler } from '../context.js';
import { Pop3Session } from './session.js';

/** POP3 on one listener (110 with STLS, 995 behind implicit TLS done by the core). */
export function createPop3Handler(_listener: ListenerInfo, ctx: ProtocolContext): ProtocolHandler {
  const sessions = new Set<Session>();
  return {
    accept(core) {
      sessions.add(core);
      core.onClose(() => sessions.delete(core));
      new Pop3Session(core, ctx).start();
    },
    async close() {
      for (const core of sessions) core.close('sandbox shutting down');
    },
  };
}
