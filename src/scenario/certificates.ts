import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCertificate, type CertificateMaterial } from '../tls/certs.js';

/** The odd certificates a scenario may ask for (`tls.certificate`). */
export type OddCertificate = 'expired' | 'wrong-host' | 'other-ca';

const DAY = 24 * 60 * 60 * 1000;

async function make(kind: OddCertificate, names: string[]): Promise<{ cert: string; key: string }> {
  switch (kind) {
    case 'expired':
      // Valid names and key, validity over since yesterday: the client must say "expired".
      return generateCertificate({
        names,
        notBefore: new Date(Date.now() - 400 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
    case 'wrong-host':
      return generateCertificate({ names: ['wrong-host.invalid'], commonName: 'wrong-host.invalid' });
    case 'other-ca': {
      // Right names, but issued by a CA nobody was told to trust (not the sandbox's self-signed cert).
      const ca = await generateCertificate({
        names: ['mailsandbox other CA'],
        commonName: 'mailsandbox other CA',
        isCa: true,
      });
      return generateCertificate({ names, ca });
    }
  }
}

/**
 * The certificate of a scenario's `tls.certificate`, generated on first use and cached as
 * `scenario-KIND.pem` (+ `-key.pem`) beside the sandbox's own certificate. An expired one stays
 * expired; a cached one is reused as long as it reads back.
 */
export async function oddCertificate(
  kind: OddCertificate,
  names: string[],
  certsDir: string,
): Promise<CertificateMaterial> {
  const certPath = join(certsDir, `scenario-${kind}.pem`);
  const keyPath = join(certsDir, `scenario-${kind}-key.pem`);
  let pair: { cert: string; key: string } | null = null;
  try {
    pair = { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch {
    pair = await make(kind, names);
    await mkdir(certsDir, { recursive: true });
    await writeFile(keyPath, pair.key, { mode: 0o600 });
    await writeFile(certPath, pair.cert, { mode: 0o644 });
  }
  const x509 = new X509Certificate(pair.cert);
  return {
    ...pair,
    certPath,
    keyPath,
    fingerprint256: x509.fingerprint256,
    notAfter: new Date(x509.validTo),
    generated: false,
    oddKind: kind,
  };
}
