export { FINDINGS, type Finding, type FindingId } from './catalog.js';
export { FindingsRunner, type Report, type SessionReport } from './runner.js';
export { reportFolder, UnreadableFolder } from './offline.js';
export { formatReport, reportJson } from './format.js';
