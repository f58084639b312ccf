import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/index.js';
import { parseScenario, type Scenario } from '../../src/scenario/index.js';
import { DEFAULT_HOST, DEFAULT_HOSTNAME } from '../../src/config/defaults.js';
import { certificateNames, loadCertificate } from '../../src/tls/certs.js';

/** One certificate directory per test process: generated once, reused by every sandbox in it. */
let certsDir: string | null = null;
export function testCertsDir(): string {
  certsDir ??= mkdtempSync(join(tmpdir(), 'mailsandbox-certs-'));
  return certsDir;
}

export function tempDir(prefix = 'mailsandbox-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Made once per test process: sandboxes started side by side must not race to write the pair. */
let certificateReady: Promise<unknown> | null = null;

/** A sandbox on ephemeral ports of 127.0.0.1 with the test certificate. Close it in `after`. */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  certificateReady ??= loadCertificate({
    certsDir: testCertsDir(),
    names: certificateNames([DEFAULT_HOSTNAME, DEFAULT_HOST]),
  });
  await certificateReady;
  return startSandbox({ portOffset: 'ephemeral', certsDir: testCertsDir(), ...options });
}

export function certPath(): string {
  return join(testCertsDir(), 'cert.pem');
}

/** A scenario written in the test (YAML text), named `inline` in its errors. */
export function inlineScenario(text: string): Promise<Scenario> {
  return parseScenario(text, { label: 'inline.yaml', name: 'inline' });
}
