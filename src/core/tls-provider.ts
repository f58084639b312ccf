import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { CertificateMaterial } from '../tls/certs.js';
import type { KeylogWriter } from '../tls/keylog.js';

export interface TlsInfo {
  protocol: string;
  cipher: string;
}

/**
 * TLS for every listener: one secure context, one key log. Implicit TLS and STARTTLS of IMAP and
 * POP3 go through `upgrade()`; smtp-server builds its STARTTLS socket itself and hands it to
 * `attachKeylog()` before the handshake (see protocols/smtp/connection.ts). Node emits `keylog`
 * only on sockets that had a listener before the handshake.
 */
export class TlsProvider {
  readonly secureContext: tls.SecureContext;

  constructor(
    readonly material: CertificateMaterial,
    private readonly keylog: KeylogWriter | null,
    private readonly versions: { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion } = {},
  ) {
    this.secureContext = tls.createSecureContext(this.contextOptions());
  }

  contextOptions(): tls.SecureContextOptions {
    return {
      cert: this.material.cert,
      key: this.material.key,
      // Old clients are what people debug: accept TLS 1.0 upwards unless told otherwise.
      minVersion: this.versions.minVersion ?? 'TLSv1',
      maxVersion: this.versions.maxVersion,
      // TLS 1.0/1.1 need SHA-1 signatures, which OpenSSL 3 refuses at its default level.
      ciphers: 'DEFAULT:@SECLEVEL=0',
    };
  }

  attachKeylog(socket: tls.TLSSocket): void {
    if (this.keylog) socket.on('keylog', this.keylog.write);
  }

  upgrade(raw: Socket, timeoutMs: number): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = new tls.TLSSocket(raw, {
        isServer: true,
        secureContext: this.secureContext,
      });
      this.attachKeylog(socket);
      let settled = false;
      const finish = (err: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(socket);
      };
      const timer = setTimeout(
        () => finish(new Error(`TLS handshake not finished within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once('secure', () => finish(null));
      socket.on('error', (err) => finish(err));
      socket.once('close', () => finish(new Error('connection closed during the TLS handshake')));
    });
  }
}

export function tlsInfo(socket: tls.TLSSocket): TlsInfo {
  return { protocol: socket.getProtocol() ?? 'unknown', cipher: socket.getCipher()?.name ?? 'unknown' };
}
