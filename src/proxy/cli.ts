import { readFileSync } from 'node:fs';
import { LISTENERS } from '../config/defaults.js';
import type { ProxyOptions } from './handler.js';
import { parseUpstream } from './upstream.js';

export const PROXY_HELP = `usage: mailsandbox proxy --upstream LISTENER=HOST:PORT [--upstream ...] [flags]

  --upstream LISTENER=HOST:PORT  forward this local listener to a real server (repeatable), e.g.
                                 --upstream submission=smtp.example.com:587 --upstream imaps=imap.example.com:993
                                 ports 465, 993 and 995 speak TLS at once; 25, 587, 143 and 110 get
                                 STARTTLS/STLS upstream when the client asks for it locally; any other
                                 port speaks as the local listener does (imaps=127.0.0.1:10993: TLS)
  --upstream-ca FILE             check the upstream's certificate against these CAs (PEM), not the system's
  --upstream-insecure            do not check the upstream's certificate (prints a warning)
  --redact                       show passwords and tokens as *** in the UI, the log and --record files
  and every flag of 'mailsandbox --help' (--record, --keylog, --scenario, --no-tui, ...)
`;

/**
 * Takes the proxy's own flags out of `mailsandbox proxy …`; the rest are the sandbox's flags.
 * Throws Error with a one-line message on a bad value (the CLI turns it into exit 2).
 */
export function parseProxyArgs(argv: string[]): { proxy: ProxyOptions; rest: string[]; warnings: string[] } {
  const proxy: ProxyOptions = { upstreams: {} };
  const rest: string[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--upstream') {
      const { listener, upstream } = parseUpstream(value());
      const mail = LISTENERS.filter((l) => l.proto !== 'http');
      if (!mail.some((l) => l.name === listener))
        throw new Error(
          `--upstream: unknown listener ${listener}; known: ${mail.map((l) => l.name).join(', ')}`,
        );
      proxy.upstreams[listener] = upstream;
    } else if (flag === '--upstream-ca') {
      const file = value();
      try {
        proxy.upstreamCa = readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(
          `--upstream-ca ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    } else if (flag === '--upstream-insecure') {
      proxy.upstreamInsecure = true;
      warnings.push(
        "--upstream-insecure: the upstream's certificate is not checked; anyone on the path can read the session",
      );
    } else if (flag === '--redact') proxy.redact = true;
    else rest.push(arg);
  }
  if (Object.keys(proxy.upstreams).length === 0 && !rest.some((a) => a === '-h' || a === '--help'))
    throw new Error('proxy needs at least one --upstream LISTENER=HOST:PORT');
  return { proxy, rest, warnings };
}
