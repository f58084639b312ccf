export { startSandbox, type Sandbox, type SandboxOptions } from './sandbox.js';
export type { TranscriptEvent, TranscriptEventType, Proto, TlsMode } from './transcript/events.js';
export type { StoredMessage, SmtpEnvelope, Folder } from './store/types.js';
export type { Limits } from './config/limits.js';
export type { ListenerStatus } from './core/listener.js';
export { formatEvent, formatTranscript } from './transcript/export.js';
export type { Report, SessionReport, Finding, FindingId } from './report/index.js';
