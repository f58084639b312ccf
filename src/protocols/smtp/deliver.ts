import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Session } from '../../core/session.js';
import type { SmtpEnvelope } from '../../store/types.js';
import { messageShape } from '../../transcript/message-shape.js';
import type { ProtocolContext } from '../context.js';

function replyError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function collect(stream: SMTPServerDataStream, onProgress: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sinceProgress = 0;
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      sinceProgress += chunk.length;
      // A trickle of a few bytes does not count as progress (slow-loris in DATA).
      if (sinceProgress >= 1024) {
        sinceProgress = 0;
        onProgress();
      }
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('close', () => {
      if (!stream.readableEnded) reject(replyError('connection closed in the middle of DATA', 451));
    });
  });
}

/**
 * DATA: the whole message is collected (smtp-server already enforces SIZE and undoes dot-stuffing),
 * stored with its envelope, and only then does the 250 go out. A client that vanishes mid-DATA
 * stores nothing.
 */
export async function deliverMessage(
  stream: SMTPServerDataStream,
  smtpSession: SMTPServerSession,
  session: Session,
  ctx: ProtocolContext,
  onProgress: () => void,
  /** The SIZE this session was offered (a scenario may lower it). */
  maxBytes: number,
): Promise<string> {
  let raw: Buffer;
  try {
    raw = await collect(stream, onProgress);
  } catch (err) {
    session.note('warn', `message not stored: ${(err as Error).message}`);
    throw err;
  }
  // The final dot came after the shutdown's goodbye: the client never hears a 250, so nothing is kept.
  if (session.closed) {
    session.note('warn', 'message not stored: the session had already ended (server shutting down)');
    throw replyError('4.3.2 Service shutting down', 421);
  }
  if (ctx.transcriptBodies) {
    const text = raw.toString('utf8');
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) session.client(line);
  } else {
    session.client(`<message body: ${raw.length} bytes>`);
  }
  session.client('.');
  if (stream.sizeExceeded) {
    throw replyError(`5.3.4 Error: message exceeds fixed maximum message size ${maxBytes}`, 552);
  }
  const tls = smtpSession.secure
    ? session.tls
      ? `${session.tls.protocol} ${session.tls.cipher}`
      : 'TLS'
    : null;
  const envelope: SmtpEnvelope = {
    mailFrom: smtpSession.envelope.mailFrom ? smtpSession.envelope.mailFrom.address : '',
    rcptTo: smtpSession.envelope.rcptTo.map((r) => r.address),
    helo: smtpSession.hostNameAppearsAs || '',
    authUser: typeof smtpSession.user === 'string' ? smtpSession.user : null,
    tls,
    remoteAddress: session.remoteAddress,
    listener: session.listener.name,
    sid: session.sid,
  };
  let stored;
  try {
    stored = await ctx.store.deliver(envelope, raw);
  } catch (err) {
    session.note('error', `message not stored: ${(err as Error).message}`);
    throw replyError('4.3.0 Error: could not store the message', 451);
  }
  const id = stored[0]!.id;
  ctx.bus.publish({
    type: 'message-stored',
    sid: session.sid,
    proto: 'smtp',
    id,
    size: raw.length,
    from: envelope.mailFrom,
    recipients: envelope.rcptTo,
    shape: messageShape(raw),
    seq: 0,
    time: 0,
  });
  return `Ok: queued as ${id}`;
}
