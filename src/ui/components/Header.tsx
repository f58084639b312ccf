import { Box, Text } from 'ink';
import type { ListenerStatus } from '../../core/listener.js';
import type { Counters } from '../model.js';
import type { Theme } from '../theme.js';

/** The running scenario as the sandbox tells it (`sandbox.scenario`). */
export interface ScenarioInfo {
  name: string;
  seed?: number;
  /** Whether it has random rules (probability, jitter): only then does its seed change anything. */
  random?: boolean;
}

/** `greylisting`, or `flaky-10-percent (seed 42)`: the seed only where replaying needs it. */
export function scenarioLabel(s: ScenarioInfo): string {
  return s.random && s.seed !== undefined ? `${s.name} (seed ${s.seed})` : s.name;
}

export interface HeaderInfo {
  listeners: ListenerStatus[];
  counters: Counters;
  scenario: ScenarioInfo | null;
  fingerprint: string;
}

/** Failed listeners get a row each (with the reason) up to this many; the rest are counted. */
const MAX_FAILURE_ROWS = 2;

function tlsLabel(tls: ListenerStatus['tls'], proto: ListenerStatus['proto']): string {
  // POP3 calls its upgrade command STLS (RFC 2595 §4).
  const upgrade = proto === 'pop3' ? 'STLS' : 'STARTTLS';
  return tls === 'implicit' ? 'TLS' : tls === 'starttls' ? upgrade : 'plain';
}

/** `AB:CD:EF:01…`: enough of the SHA-256 fingerprint to compare with what a client shows. */
export function shortFingerprint(fp: string): string {
  return fp ? fp.split(':').slice(0, 4).join(':') + '…' : '?';
}

type Chip = ListenerStatus | { cert: string };

/** Packs listener chips (and the certificate's) into rows of `width`. */
function chipRows(listeners: ListenerStatus[], fingerprint: string, width: number): Chip[][] {
  const rows: Chip[][] = [[]];
  let col = 0;
  for (const l of [...listeners, { cert: shortFingerprint(fingerprint) }]) {
    const w = chip(l).length + 2;
    if (col + w > width && rows.at(-1)!.length) {
      rows.push([]);
      col = 0;
    }
    rows.at(-1)!.push(l);
    col += w;
  }
  return rows;
}

function chip(l: Chip): string {
  if ('cert' in l) return `cert ${l.cert}`;
  return l.port !== null
    ? `${l.name}:${l.port} ${tlsLabel(l.tls, l.proto)}`
    : `${l.name}:${l.requestedPort} ✗`;
}

/** Rows the header takes at this width (the App sizes the body from it). */
export function headerHeight(info: HeaderInfo, width: number): number {
  const failed = info.listeners.filter((l) => l.error).length;
  return 1 + chipRows(info.listeners, info.fingerprint, width).length + Math.min(failed, MAX_FAILURE_ROWS);
}

/** A row per failed bind with its reason; past the cap, the last row counts the rest. */
function failureRows(failed: ListenerStatus[]): string[] {
  const rows = failed.map((l) => `✗ ${l.name} ${l.host}:${l.requestedPort} — ${l.error}`);
  if (rows.length <= MAX_FAILURE_ROWS) return rows;
  const shown = rows.slice(0, MAX_FAILURE_ROWS - 1);
  return [...shown, `✗ ${rows.length - shown.length} more listeners failed (press m for the reasons)`];
}

export function Header({ info, width, theme }: { info: HeaderInfo; width: number; theme: Theme }) {
  const c = info.counters;
  const failed = info.listeners.filter((l) => l.error);
  const scenario = info.scenario ? scenarioLabel(info.scenario) : 'none';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color={theme.color('cyan')}>
          mailsandbox
        </Text>
        {`  sessions ${c.sessionsOpen} open/${c.sessionsTotal}  msgs ${c.messagesStored}  auth `}
        <Text color={theme.color('green')}>{`${c.authOk} ok`}</Text>
        {'/'}
        <Text color={c.authFailed ? theme.color('red') : undefined}>{`${c.authFailed} failed`}</Text>
        {`  scenario ${scenario}`}
      </Text>
      {chipRows(info.listeners, info.fingerprint, width).map((row, i) => (
        <Text key={i} wrap="truncate-end">
          {row.map((l) => {
            const failed = !('cert' in l) && l.port === null;
            return (
              <Text
                key={'cert' in l ? 'cert' : l.name}
                color={failed ? theme.color('red') : undefined}
                dimColor={'cert' in l && theme.colors}
                bold={failed}
              >
                {chip(l) + '  '}
              </Text>
            );
          })}
        </Text>
      ))}
      {failureRows(failed).map((text) => (
        <Text key={text} wrap="truncate-end" color={theme.color('red')}>
          {text}
        </Text>
      ))}
    </Box>
  );
}
