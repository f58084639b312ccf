import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir, tmpdir, hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface CertificateMaterial {
  cert: string;
  key: string;
  /** The file a client is told to trust. */
  certPath: string;
  keyPath: string;
  /** SHA-256 fingerprint, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
  notAfter: Date;
  /** True when this start generated the pair. */
  generated: boolean;
  /** A scenario's deliberately bad certificate (src/scenario/certificates.ts), which a client must refuse. */
  oddKind?: 'expired' | 'wrong-host' | 'other-ca';
}

/**
 * Where the library keeps its generated certificate when the caller names no folder: the user's cache
 * ($XDG_CACHE_HOME or ~/.cache, then mailsandbox/certs), so a test suite does not write ./certs into
 * the caller's project and reuses one certificate across runs; the system's temp folder when there is
 * no home. The CLI keeps ./certs (the README's curl and openssl examples point there).
 */
export function defaultCertsDir(): string {
  const home = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : '');
  return home ? join(home, 'mailsandbox', 'certs') : join(tmpdir(), 'mailsandbox-certs');
}

/** Names every generated certificate covers. Interop: IPs go in both as IP and DNS SANs, some
 *  clients compare DNS names only (DESIGN.md). */
export function certificateNames(extra: string[] = []): string[] {
  const names = ['localhost', '127.0.0.1', '::1', osHostname(), ...extra];
  return [...new Set(names.filter(Boolean).map((n) => n.toLowerCase()))];
}

function sanOf(names: string[]) {
  const alt: { type: 2 | 7; value?: string; ip?: string }[] = [];
  for (const name of names) {
    alt.push({ type: 2, value: name });
    if (isIP(name)) alt.push({ type: 7, ip: name });
  }
  return alt;
}

export interface GenerateOptions {
  names: string[];
  notBefore?: Date;
  notAfter?: Date;
  commonName?: string;
  /** Sign with this CA instead of self-signing. */
  ca?: { key: string; cert: string };
  isCa?: boolean;
}

/** Makes a certificate with `selfsigned` (EC P-256: fast to make, accepted everywhere). */
export async function generateCertificate(options: GenerateOptions): Promise<{ cert: string; key: string }> {
  const notBefore = options.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 825 * 24 * 60 * 60 * 1000);
  const result = await generate(
    [{ name: 'commonName', value: options.commonName ?? options.names[0] ?? 'localhost' }],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: notBefore,
      notAfterDate: notAfter,
      ca: options.ca,
      extensions: [
        { name: 'basicConstraints', cA: options.isCa ?? false },
        options.isCa
          ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }
          : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        ...(options.isCa ? [] : [{ name: 'extKeyUsage' as const, serverAuth: true }]),
        { name: 'subjectAltName', altNames: sanOf(options.names) },
      ],
    },
  );
  return { cert: result.cert, key: result.private };
}

function describe(cert: string): { x509: X509Certificate; names: Set<string> } {
  const x509 = new X509Certificate(cert);
  const names = new Set<string>();
  for (const part of (x509.subjectAltName ?? '').split(/,\s*/)) {
    const m = /^(?:DNS|IP Address):(.+)$/.exec(part);
    if (m) names.add(m[1]!.toLowerCase());
  }
  return { x509, names };
}

async function readPair(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    createPrivateKey(key);
    return { cert, key };
  } catch {
    return null;
  }
}

function material(
  cert: string,
  key: string,
  certPath: string,
  keyPath: string,
  generated: boolean,
): CertificateMaterial {
  const x509 = new X509Certificate(cert);
  return {
    cert,
    key,
    certPath,
    keyPath,
    fingerprint256: x509.fingerprint256,
    notAfter: new Date(x509.validTo),
    generated,
  };
}

/**
 * The sandbox's certificate: the user's own pair (`--cert/--key`), or `certs/cert.pem` + `certs/key.pem`
 * reused from an earlier start, or a new self-signed pair when there is none, it expired (or will
 * within a day), or it does not cover every name. The key file is written with mode 0600.
 */
export async function loadCertificate(options: {
  certsDir: string;
  names: string[];
  certFile?: string;
  keyFile?: string;
}): Promise<CertificateMaterial> {
  if (options.certFile || options.keyFile) {
    if (!options.certFile || !options.keyFile) throw new Error('--cert and --key go together');
    const certPath = resolve(options.certFile);
    const keyPath = resolve(options.keyFile);
    const pair = await readPair(certPath, keyPath);
    if (!pair) throw new Error(`cannot read a certificate and key from ${certPath} and ${keyPath}`);
    return material(pair.cert, pair.key, certPath, keyPath, false);
  }
  const dir = resolve(options.certsDir);
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const existing = await readPair(certPath, keyPath);
  if (existing) {
    const { x509, names } = describe(existing.cert);
    const fresh = new Date(x509.validTo).getTime() > Date.now() + 24 * 60 * 60 * 1000;
    const covers = options.names.every((n) => names.has(n.toLowerCase()));
    if (fresh && covers) return material(existing.cert, existing.key, certPath, keyPath, false);
  }
  const pair = await generateCertificate({ names: options.names });
  await mkdir(dir, { recursive: true });
  await writeFile(keyPath, pair.key, { mode: 0o600 });
  await chmod(keyPath, 0o600);
  await writeFile(certPath, pair.cert, { mode: 0o644 });
  return material(pair.cert, pair.key, certPath, keyPath, true);
}
