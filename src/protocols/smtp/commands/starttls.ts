import type { Socket } from 'node:net';
import { abortHandshake } from '../../../core/starttls.js';
import type { CommandRun } from '../commands.js';

function flush(socket: Socket): void {
  while (socket.writableCorked) socket.uncork();
}

/**
 * STARTTLS (RFC 3207) as the scenario wants it: offered (smtp-server upgrades), hidden (502, as on a
 * server without it), refused (RFC 3207 §4: 454), or accepted and then the handshake dropped at the
 * client's first bytes.
 */
export const starttls: CommandRun = (conv, _line, proceed, done) => {
  const session = conv.session;
  switch (conv.section?.starttls ?? 'offer') {
    case 'offer': {
      // The TLS layer takes over the raw socket right after the 220: nothing may stay corked in it.
      const raw = session.socket;
      flush(raw);
      proceed();
      // smtp-server answered 220 and made its TLS socket, which the session adopted: until the
      // handshake is done (onSecure), lines are smtp-server's to drop (RFC 3207 §4.2).
      if (session.socket !== raw) conv.upgrading = true;
      return;
    }
    case 'hide':
      conv.reply(502, ['5.5.1 STARTTLS is not offered here']);
      return done();
    case 'refuse':
      conv.reply(454, ['4.7.0 TLS not available due to temporary reason']);
      return done();
    case 'abort': {
      conv.reply(220, ['2.0.0 Ready to start TLS']);
      // The same abort as IMAP and POP3 (core/starttls.ts): smtp-server reads no more, reset at the ClientHello.
      return abortHandshake(session, 'STARTTLS');
    }
  }
};
