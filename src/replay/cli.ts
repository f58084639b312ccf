import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isLoopback } from '../config/defaults.js';
import { replayClient } from './client.js';
import { readRecording, RecordingError } from './read.js';
import { recordingToReplay, replayScenarioYaml } from './write.js';

export const REPLAY_HELP = `usage: mailsandbox replay REC -o FILE.yaml
       mailsandbox replay --client REC --to HOST:PORT [--tls implicit|starttls]

  REC is a recorded session: a --record .jsonl or .txt file, or a pasted transcript of "S: " / "C: " lines.
  -o FILE.yaml            write a scenario that plays the recorded server's side:
                          mailsandbox --scenario FILE.yaml, then point the client at it (no network needed)
  --client REC --to H:P   send the recorded client lines to a server on this machine and print where its
                          replies differ (exit 1 when they do); --tls implicit|starttls as the port needs
                          (the server's certificate is not checked)
`;

/** Thrown for a usage problem or a malformed recording: the CLI prints it and exits 2. */
export class ReplayUsageError extends Error {}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ReplayUsageError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `mailsandbox replay …`; resolves to the exit code. */
export async function replayCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        client: { type: 'string' },
        to: { type: 'string' },
        tls: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ReplayUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  try {
    if (values.client !== undefined) {
      const to = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(values.to ?? '');
      if (!to) throw new ReplayUsageError('--client needs --to HOST:PORT');
      const host = to[1] ?? to[2]!;
      if (!isLoopback(host))
        throw new ReplayUsageError(`--to ${host}: only servers on this machine (loopback)`);
      const mode = values.tls ?? 'plain';
      if (mode !== 'plain' && mode !== 'implicit' && mode !== 'starttls')
        throw new ReplayUsageError(`--tls ${mode}: expected implicit or starttls`);
      const rec = readRecording(read(values.client), values.client);
      const differ = await replayClient(rec, { host, port: Number(to[3]), tls: mode }, (line) =>
        process.stdout.write(line + '\n'),
      );
      return differ ? 1 : 0;
    }
    if (positionals.length !== 1 || !values.output) throw new ReplayUsageError(REPLAY_HELP.trimEnd());
    const file = positionals[0]!;
    const replay = recordingToReplay(read(file), file);
    writeFileSync(values.output, replayScenarioYaml(replay));
    process.stdout.write(
      `${values.output}: ${replay.protocol} replay of ${replay.exchanges.length} commands, ${replay.mail.length} messages\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof RecordingError) throw new ReplayUsageError(err.message);
    throw err;
  }
}
