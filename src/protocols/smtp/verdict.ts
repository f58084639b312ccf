import { isTransport, playTransport, waitOut } from '../../scenario/transport.js';
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
 * Plays a verdict on SMTP: the transport verdicts by the shared player (scenario/transport.ts), a
 * refusal in SMTP's words through `played.reply`. A `cut` asked at DATA cuts the incoming message
 * instead (commands/data.ts).
 */
export function playVerdict(conv: SmtpConversation, v: Verdict, played: Played): void {
  if (v.kind === 'pass') return played.proceed();
  void play(conv, v, played).catch((err: Error) => conv.session.note('error', `scenario: ${err.message}`));
}

async function play(conv: SmtpConversation, v: ActiveVerdict, played: Played): Promise<void> {
  const session = conv.session;
  if (!(await waitOut(v, session))) return;
  if (v.kind === 'cut' && conv.cutsIncoming) {
    conv.dataCut = { rule: v.rule, afterBytes: v.afterBytes };
    return played.proceed();
  }
  if (isTransport(v)) {
    if ((await playTransport(v, session)) === 'proceed') played.proceed();
    return;
  }
  switch (v.kind) {
    case 'refuse': {
      // SMTP rules always carry a reply code (the schema); 554 should one not.
      const code = v.replyCode ?? 554;
      played.reply(code, v.lines);
      // smtp-server closes after any 421 by itself (RFC 5321 §3.8).
      if (v.close && code !== 421) conv.connection.close();
      return;
    }
    case 'notice':
    case 'renumber':
    case 'vanish':
      // The schema keeps these out of smtp rules; nothing to render in SMTP.
      return played.proceed();
  }
}
