/**
 * Transcript events as text, in the article's telnet style (`C: EHLO x`, `S: 250 ok`, `-- …`). One
 * implementation for the text files, the log, the terminal UI and the web page: this module imports
 * nothing from Node, so the HTTP server serves its compiled form to the page as it is (http/static.ts).
 */
import type { TranscriptEvent } from './events.js';
import { visible } from './visible.js';

/** The time of day of an event, to the millisecond (`14:03:07.123`). */
export function clock(time: number): string {
  return new Date(time).toISOString().slice(11, 23);
}

/** One event as a line of the article's telnet style (`C:` / `S:`), with a timestamp. */
export function formatEvent(event: TranscriptEvent): string {
  return `${clock(event.time)} ${describeEvent(event)}`;
}

export function formatTranscript(events: TranscriptEvent[]): string {
  return events.map((e) => formatEvent(e) + '\n').join('');
}

/**
 * One event without its timestamp (`C: EHLO x`, `-- session closed: …`), with the decoded reading of
 * a SASL payload; control characters made visible: this text goes to terminals and text files.
 */
export function describeEvent(event: TranscriptEvent): string {
  return eventText(event) + decodedSuffix(event);
}

/** One event without its timestamp and without the decoded reading (the page shows that apart). */
export function eventText(event: TranscriptEvent): string {
  return visible(rawDescription(event));
}

/** `    [decoded: …]` after a client or server line that carries a reading, else ''. */
export function decodedSuffix(event: TranscriptEvent): string {
  const decoded = event.type === 'client-line' || event.type === 'server-line' ? event.decoded : undefined;
  return decoded ? `    [decoded: ${visible(decoded)}]` : '';
}

function rawDescription(event: TranscriptEvent): string {
  switch (event.type) {
    case 'session-open':
      return `-- ${event.proto} session ${event.sid} on ${event.listener} (port ${event.localPort}, ${event.tls}) from ${event.remoteAddress}:${event.remotePort}${event.proxy ? `, proxied to ${event.proxy.upstream}, ${event.proxy.redacted ? 'passwords and tokens redacted' : 'NOT redacted (credentials as sent)'}` : ''}`;
    case 'client-line':
      return `C: ${event.line}`;
    case 'server-line':
      return `S: ${event.line}`;
    case 'tls-upgraded':
      return `-- TLS ${event.how === 'implicit' ? 'established' : 'upgraded (STARTTLS)'}: ${event.protocol} ${event.cipher}`;
    case 'auth':
      return `-- AUTH ${event.mechanism} user ${JSON.stringify(event.username)}: ${event.ok ? 'accepted' : 'rejected'}`;
    case 'message-stored':
      return `-- ${storedText(event)}`;
    case 'scenario-action':
      return `-- scenario rule ${event.rule}: ${event.action}`;
    case 'note':
      return `-- ${event.level}: ${event.text}`;
    case 'session-close':
      return `-- session closed: ${event.reason} (${(event.durationMs / 1000).toFixed(3)} s)`;
    case 'finding':
      return `-- finding ${event.severity} ${event.id} (line ${event.line}): ${event.message}`;
  }
}

/** A stored message in words: its envelope (SMTP), or the folder it was appended to (IMAP). */
export function storedText(event: TranscriptEvent & { type: 'message-stored' }): string {
  const where =
    event.folder !== undefined
      ? `in ${event.folder}`
      : `from <${event.from}> to ${event.recipients.map((r) => `<${r}>`).join(', ')}`;
  return `message ${event.id} stored (${event.size} bytes) ${where}`;
}
