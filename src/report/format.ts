import { visible } from '../transcript/visible.js';
import type { Report } from './runner.js';

/** `mailsandbox report DIR`: one block per session, its findings as a table. */
export function formatReport(report: Report): string {
  if (report.sessions.length === 0) return 'no sessions\n';
  const out: string[] = [];
  for (const s of report.sessions) {
    out.push(`${s.sid}  ${s.proto}  ${s.listener}  ${s.client}  ${s.tls}  user ${s.user ?? '-'}`);
    if (s.findings.length === 0) {
      out.push('  no findings', '');
      continue;
    }
    const idWidth = Math.max(...s.findings.map((f) => f.id.length));
    const lineWidth = Math.max(4, ...s.findings.map((f) => String(f.line).length));
    out.push(`  ${'line'.padStart(lineWidth)}  severity  ${'finding'.padEnd(idWidth)}  message`);
    for (const f of s.findings)
      out.push(
        `  ${String(f.line).padStart(lineWidth)}  ${f.severity.padEnd(8)}  ${f.id.padEnd(idWidth)}  ${visible(f.message)}`,
      );
    out.push('');
  }
  const counts = { error: 0, warn: 0, info: 0 };
  for (const s of report.sessions) for (const f of s.findings) counts[f.severity]++;
  out.push(
    `${report.sessions.length} session${report.sessions.length === 1 ? '' : 's'}: ${counts.error} error, ${counts.warn} warn, ${counts.info} info`,
  );
  return out.join('\n') + '\n';
}

/** The JSON shape of issue 16: findings without the internal seq. */
export function reportJson(report: Report): string {
  return (
    JSON.stringify(
      {
        sessions: report.sessions.map((s) => ({
          sid: s.sid,
          proto: s.proto,
          listener: s.listener,
          client: s.client,
          user: s.user,
          tls: s.tls,
          findings: s.findings.map((f) => ({
            id: f.id,
            severity: f.severity,
            message: f.message,
            line: f.line,
          })),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
