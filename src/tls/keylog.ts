import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Appends NSS key-log lines (the SSLKEYLOGFILE format) for every TLS session, so Wireshark/tshark
 * can decrypt a capture (`-o tls.keylog_file:FILE`), including TLS 1.3 and (EC)DHE, which the
 * private-key method of the article cannot.
 */
export class KeylogWriter {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.stream.on('error', () => {});
  }

  /** Node hands each line with its trailing newline. */
  readonly write = (line: Buffer): void => {
    this.stream.write(line);
  };

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
