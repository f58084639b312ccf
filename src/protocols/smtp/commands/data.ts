import type { SMTPServerDataStream } from 'smtp-server';
import type { Verdict } from '../../../scenario/verdicts.js';
import type { SmtpConversation } from '../conversation.js';

type DataCallback = (err?: Error | null, message?: string) => void;

/**
 * The message of a DATA whose rule says `cut`: it is read the usual way, and once `afterBytes` of it
 * came in (counted exactly, dot-stuffing undone) the stream is destroyed, so nothing is stored and
 * no reply goes out, and the connection closes with a FIN. smtp-server goes on reading (and
 * dropping) what the client still sends, so the close is not turned into an RST by unread input.
 * A message shorter than `afterBytes` ends before the cut and is stored as usual. Done on
 * smtp-server's message stream, not the socket, so the final dot can never slip through.
 */
function cutMessage(conv: SmtpConversation, stream: SMTPServerDataStream): void {
  const cut = conv.dataCut;
  if (!cut) return;
  conv.dataCut = null;
  const session = conv.session;
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received >= cut.afterBytes) cutNow();
  };
  const cutNow = () => {
    stream.removeListener('data', onData);
    if (session.closed) return;
    const more = received - cut.afterBytes;
    session.client(`<message body: ${cut.afterBytes} bytes, then cut>`);
    session.note(
      'info',
      `scenario rule ${cut.rule}: message cut after ${cut.afterBytes} bytes` +
        (more > 0 ? ` (${more} more bytes had arrived: read and dropped, as is the rest)` : '') +
        '; no reply, the connection closes',
    );
    session.close(`scenario rule ${cut.rule}: connection cut in DATA after ${cut.afterBytes} bytes`);
    stream.destroy(new Error(`cut by scenario rule ${cut.rule}`));
  };
  if (cut.afterBytes === 0) return cutNow();
  stream.on('data', onData);
  stream.once('end', () => stream.removeListener('data', onData));
}

/**
 * End of DATA refused by the scenario (RFC 5321 §4.2.5: the reply after the final dot decides
 * whether the message was taken): the message is read to its end, not stored, and the verdict's
 * reply goes out through smtp-server's DATA callback so its state machine carries on.
 */
function refuseMessage(
  conv: SmtpConversation,
  verdict: Verdict,
  stream: SMTPServerDataStream,
  callback: DataCallback,
): void {
  const session = conv.session;
  let size = 0;
  stream.on('data', (chunk: Buffer) => (size += chunk.length));
  stream.once('end', () => {
    session.client(`<message body: ${size} bytes>`);
    session.client('.');
    if (verdict.kind !== 'pass') session.note('info', `message not stored: scenario rule ${verdict.rule}`);
    conv.play(verdict, {
      proceed: () => callback(),
      // Through smtp-server's reply to DATA, which adds an enhanced status code unless the text has one.
      reply: (code, lines) => callback(Object.assign(new Error(lines.join('\n')), { responseCode: code })),
    });
  });
}

/**
 * The message after DATA (smtp-server's onData): a `cut` decided at DATA cuts it; the scenario is
 * asked at `data-end` before it is stored, and a verdict that answers means it is not stored. A delay,
 * throttle or slice verdict shapes the reply after the message was stored.
 */
export function receiveMessage(
  conv: SmtpConversation,
  stream: SMTPServerDataStream,
  store: () => Promise<string>,
  callback: DataCallback,
): void {
  cutMessage(conv, stream);
  const rcptTo = conv.connection.session.envelope.rcptTo;
  const verdict = conv.decide('data-end', {
    recipient: rcptTo[0]?.address,
    recipients: rcptTo.map((a) => a.address),
  });
  if (verdict.kind === 'refuse' || verdict.kind === 'disconnect' || verdict.kind === 'stall')
    return refuseMessage(conv, verdict, stream, callback);
  store().then(
    (reply) =>
      verdict.kind === 'pass'
        ? callback(null, reply)
        : conv.play(verdict, { proceed: () => callback(null, reply), reply: () => {} }),
    (err: Error) => callback(err),
  );
}
