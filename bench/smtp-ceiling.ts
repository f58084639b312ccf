/**
 * The ceiling of the SMTP benchmark: smtp-server on its own, configured as mailsandbox configures it
 * (no greeting delay, no reverse DNS, no logger) but with no transcript, no store and no hooks beyond
 * one that reads each message to its end and throws it away. mailsandbox cannot be faster than this;
 * the benchmark prints it beside smtp-sink so the distance to each can be read.
 *
 *   node dist/bench/smtp-ceiling.js PORT
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

class GreetAtOnce extends SMTPConnection {
  override init(): void {
    this._setListeners(() => this.connectionReady());
  }
}

const smtp = new SMTPServer({
  disableReverseLookup: true,
  authOptional: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.once('end', () => callback(null, 'Ok: discarded'));
  },
});

const listener = net.createServer({ noDelay: true }, (socket) => {
  const connection = new GreetAtOnce(smtp, socket, {});
  smtp.connections.add(connection);
  connection.on('error', () => {});
  connection.init();
});
listener.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
