import { describeCut, installWriteFault } from '../../scenario/faults.js';
import type { ActiveVerdict, Verdict } from '../../scenario/verdicts.js';
import type { SmtpConversation } from './conversation.js';

/** Where a verdict goes on: the normal path, or the scenario's own reply in the place it must take. */
export interface Played {
  /** What would have happened without the scenario. */
  proceed: () => void;
  /** Sends the scenario's reply and ends the command (our own send, or a hook's callback). */
  reply: (code: number, lines: string[]) => void;
}

/**
 * Plays a verdict in SMTP's words. Transport faults (throttle, slice, a cut of the reply) are
 * installed on the session's socket, then the command goes on; `reply` answers instead of it.
 */
export function playVerdict(conv: SmtpConversation, v: Verdict, played: Played): void {
  if (v.kind === 'pass') return played.proceed();
  const act = () => act1(conv, v, played);
  if (v.delayMs > 0) setTimeout(act, v.delayMs).unref();
  else act();
}

function act1(conv: SmtpConversation, v: ActiveVerdict, played: Played): void {
  const session = conv.session;
  if (session.closed) return;
  switch (v.kind) {
    case 'delay':
      return played.proceed();
    case 'refuse': {
      // SMTP rules always carry a reply code (the schema); 554 should one not.
      const code = v.replyCode ?? 554;
      played.reply(code, v.lines);
      // smtp-server closes after any 421 by itself (RFC 5321 §3.8).
      if (v.close && code !== 421) conv.connection.close();
      return;
    }
    case 'disconnect':
      if (v.how === 'rst') session.reset(`scenario rule ${v.rule}: reset`);
      else session.close(`scenario rule ${v.rule}: disconnect`);
      return;
    case 'stall':
      // Nothing more is read (smtp-server waits for this command's end) and nothing is written.
      if (v.closeAfterMs !== null)
        setTimeout(() => session.close(`scenario rule ${v.rule}: stalled`), v.closeAfterMs).unref();
      return;
    case 'throttle':
      installWriteFault(session.socket, { kind: 'throttle', bytesPerSecond: v.bytesPerSecond });
      return played.proceed();
    case 'slice':
      installWriteFault(session.socket, { kind: 'slice', bytes: v.bytes, pieceDelayMs: v.pieceDelayMs });
      return played.proceed();
    case 'cut':
      // Asked at DATA: cut the incoming message (commands/data.ts); elsewhere: cut the outgoing reply.
      if (conv.cutsIncoming) conv.dataCut = { rule: v.rule, afterBytes: v.afterBytes };
      else
        installWriteFault(session.socket, {
          kind: 'cut',
          afterBytes: v.afterBytes,
          // FIN as on IMAP and POP3 (toxiproxy's limit_data): an RST may discard the bytes let out.
          onCut: (cut) => {
            session.note('info', describeCut(v.rule, cut));
            session.close(`scenario rule ${v.rule}: connection cut after ${cut.sent} bytes, mid-reply`);
          },
        });
      return played.proceed();
    case 'notice':
    case 'renumber':
    case 'vanish':
      // The schema keeps these out of smtp rules; nothing to render in SMTP.
      return played.proceed();
  }
}
