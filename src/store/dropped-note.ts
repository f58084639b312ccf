import type { TranscriptEventInput } from '../transcript/events.js';
import type { DroppedMail } from './mail-store.js';

/** Messages named one by one in the note; more are counted. */
const NAMED = 5;

/**
 * The transcript note for messages the message cap dropped: in the transcript of the SMTP session
 * whose delivery made room for itself, or under `-` for an APPEND or COPY (the store does not know
 * which IMAP session made it).
 */
export function droppedNote({ dropped, cause, limit }: DroppedMail): TranscriptEventInput {
  const named = dropped
    .slice(0, NAMED)
    .map(
      ({ message, maildrop, folder }) =>
        `${message.id} (UID ${message.uid} in ${folder} of ${maildrop}, ${message.size} bytes)`,
    )
    .join(', ');
  const more = dropped.length > NAMED ? ` and ${dropped.length - NAMED} more` : '';
  const what = dropped.length === 1 ? 'the oldest message' : `the ${dropped.length} oldest messages`;
  const sid = cause.message.envelope?.sid;
  return {
    type: 'note',
    sid: sid ?? '-',
    proto: sid ? 'smtp' : 'imap',
    level: 'warn',
    text: `store full (--max-messages ${limit}): dropped ${what} ${named}${more} to make room for ${cause.message.id}`,
  };
}
