import { cramMd5Digest } from '../auth/mechanisms/cram-md5.js';
import { decodeBase64, printable } from '../transcript/decode.js';
import { UsageError } from './flags.js';

/**
 * The article's hand tools as commands: base64 for AUTH PLAIN/LOGIN (without the trailing newline
 * that `echo | base64` sneaks in), decoding, and the CRAM-MD5 answer the article needs a Perl script for.
 */
export function runHelper(command: string, args: string[]): string {
  switch (command) {
    case 'encode': {
      const [kind, ...rest] = args;
      if (kind === 'plain') {
        if (rest.length < 2 || rest.length > 3)
          throw new UsageError('usage: mailsandbox encode plain USER PASS [AUTHZID]');
        // The article's form: authzid = user (`printf 'test\0test\0testpass'`); a third argument overrides it.
        const [user, pass, authzid = user] = rest as [string, string, string?];
        return Buffer.from(`${authzid}\0${user}\0${pass}`).toString('base64');
      }
      if (kind === 'login') {
        if (rest.length !== 1) throw new UsageError('usage: mailsandbox encode login STRING');
        return Buffer.from(rest[0]!).toString('base64');
      }
      throw new UsageError('usage: mailsandbox encode plain USER PASS | encode login STRING');
    }
    case 'decode': {
      if (args.length !== 1) throw new UsageError('usage: mailsandbox decode BASE64');
      const bytes = decodeBase64(args[0]!);
      if (!bytes) throw new UsageError(`decode: ${JSON.stringify(args[0])} is not base64`);
      return printable(bytes);
    }
    case 'cram-md5': {
      if (args.length !== 3) throw new UsageError('usage: mailsandbox cram-md5 USER PASS CHALLENGE_BASE64');
      const [user, pass, challenge64] = args as [string, string, string];
      const challenge = decodeBase64(challenge64);
      if (!challenge) throw new UsageError(`cram-md5: ${JSON.stringify(challenge64)} is not base64`);
      return Buffer.from(`${user} ${cramMd5Digest(pass, challenge.toString('latin1'))}`).toString('base64');
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see mailsandbox --help`);
  }
}
