import { basename } from 'node:path';
import { stringify } from 'yaml';
import { toExchanges } from './exchanges.js';
import { imapMail, pop3Mail } from './mail.js';
import { readRecording } from './read.js';
import type { ReplaySection } from './schema.js';

/** A recording (.jsonl, .txt or a pasted `S:`/`C:` transcript) → the `replay:` section playing its server. */
export function recordingToReplay(text: string, file: string): ReplaySection {
  const rec = readRecording(text, file);
  const { greeting, exchanges } = toExchanges(rec);
  const mail = rec.proto === 'imap' ? imapMail(exchanges) : rec.proto === 'pop3' ? pop3Mail(exchanges) : [];
  return {
    protocol: rec.proto,
    ...(rec.listener ? { listener: rec.listener } : {}),
    source: basename(file),
    greeting,
    exchanges,
    mail,
  };
}

/** The scenario file `mailsandbox replay REC -o FILE.yaml` writes. */
export function replayScenarioYaml(replay: ReplaySection): string {
  const doc = {
    description: `Replay of ${replay.source ?? 'a recording'}: the recorded ${replay.protocol.toUpperCase()} server's replies, ${replay.exchanges.length} commands; others get the sandbox's normal answer.`,
    replay,
  };
  return stringify(doc, { lineWidth: 0 });
}
