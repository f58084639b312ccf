import { z } from 'zod';

/**
 * The `replay:` section of a scenario (scenarios/README.md): a recorded server's side, played back by
 * `mailsandbox --scenario FILE` with no network. Written by `mailsandbox replay REC -o FILE.yaml`.
 */
export const replaySchema = z.strictObject({
  /** Which protocol was recorded; the replay starts that protocol's listeners. */
  protocol: z.enum(['smtp', 'imap', 'pop3']),
  /** The listener it was recorded on (for the record; every listener of the protocol replays it). */
  listener: z.string().optional(),
  /** Where it came from (file name), for the transcript's notes. */
  source: z.string().optional(),
  /** The greeting lines as recorded. */
  greeting: z.array(z.string()).min(1),
  /** Each client command and the server's whole reply, in order. IMAP tags are the client's at replay. */
  exchanges: z.array(
    z.strictObject({
      command: z.string().min(1),
      args: z.string().default(''),
      reply: z.array(z.string()).min(1),
    }),
  ),
  /** Messages the recording showed, seeded with the same UID, flags, size (and UIDVALIDITY). */
  mail: z
    .array(
      z.strictObject({
        folder: z.string().default('INBOX'),
        uid: z.number().int().min(1),
        flags: z.array(z.string()).default([]),
        size: z.number().int().min(0),
        first: z.string().default(''),
        uidValidity: z.number().int().min(1).optional(),
      }),
    )
    .default([]),
});

export type ReplaySection = z.output<typeof replaySchema>;
