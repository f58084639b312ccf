import { readFileSync } from 'node:fs';
import { LISTENERS } from '../config/defaults.js';
import type { Sandbox, SandboxOptions } from '../sandbox.js';
import { startSandbox } from '../sandbox.js';
import type { Scenario } from '../scenario/load.js';
import type { MailStore } from '../store/mail-store.js';
import { ReplayCursor } from './cursor.js';
import { standIn } from './mail.js';
import type { ReplaySection } from './schema.js';

/** The recording's messages with their UIDs, flags, sizes and UIDVALIDITY, in the shared maildrop. */
async function seed(store: MailStore, replay: ReplaySection): Promise<void> {
  const drop = store.maildropFor('');
  for (const m of replay.mail) {
    const folder = (await store.folder(drop, m.folder)) ?? (await store.createFolder(drop, m.folder));
    if (m.uidValidity !== undefined) folder.uidValidity = m.uidValidity;
    folder.uidNext = Math.max(folder.uidNext, m.uid);
    await store.append(drop, folder.name, standIn(m.size, m.first), { flags: m.flags });
  }
}

/**
 * Plays a `replay:` scenario: an inner sandbox on ephemeral loopback ports, seeded with the recording's
 * mail, answers as the sandbox normally does, and a proxy in front of it (src/proxy) says the
 * recorded reply instead wherever the recording has one. The client sees the recorded server; a
 * command the recording never saw still gets a sensible answer from the same state.
 */
export async function startReplay(options: SandboxOptions & { scenario: Scenario }): Promise<Sandbox> {
  const { replay, ...rules } = options.scenario;
  if (!replay) throw new Error('startReplay needs a scenario with a replay: section');
  const names = LISTENERS.filter(
    (l) => l.proto === replay.protocol && (!options.listeners || options.listeners.includes(l.name)),
  );
  const inner = await startSandbox({
    host: '127.0.0.1',
    portOffset: 'ephemeral',
    listeners: names.map((l) => l.name),
    hostname: options.hostname,
    certsDir: options.certsDir,
    certFile: options.certFile,
    keyFile: options.keyFile,
    limits: options.limits,
  });
  await seed(inner.store, replay);
  const upstreams = Object.fromEntries(
    names
      .filter((l) => inner.ports[l.name] !== undefined)
      .map((l) => [
        l.name,
        {
          host: '127.0.0.1',
          port: inner.ports[l.name]!,
          tls: l.tls === 'implicit' ? 'implicit' : 'starttls',
        } as const,
      ]),
  );
  let outer: Sandbox;
  try {
    outer = await startSandbox({
      ...options,
      listeners: [...Object.keys(upstreams), ...(options.listeners?.includes('http') ? ['http'] : [])],
      scenario: { ...rules, name: options.scenario.name } as Scenario,
      proxy: {
        upstreams,
        upstreamCa: readFileSync(inner.certificate.certPath, 'utf8'),
        label: `replay of ${replay.source ?? 'a recording'}: recorded replies; commands it never saw get the sandbox's own answer`,
        replay: (_listener, note) => new ReplayCursor(replay, note).reply,
      },
    });
  } catch (err) {
    await inner.close();
    throw err;
  }
  const closeOuter = outer.close.bind(outer);
  outer.close = async () => {
    await closeOuter();
    await inner.close();
  };
  return outer;
}
