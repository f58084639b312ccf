import type { UserDirectory } from '../auth/verify.js';
import type { CoreContext } from '../core/session.js';
import type { ScenarioEngine } from '../scenario/engine.js';
import type { MailStore } from '../store/mail-store.js';

/** What every protocol gets from the sandbox besides its sessions. */
export interface ProtocolContext extends CoreContext {
  store: MailStore;
  users: UserDirectory;
  /** The name the server gives itself in greetings and challenges. */
  hostname: string;
  /** Show every line of message bodies in the transcript instead of a one-line summary. */
  transcriptBodies: boolean;
  /** The running scenario, asked at each decision point: the user's, else the built-in accept-all
   *  one (never absent). Read it per session, not once per listener: the library API may switch
   *  scenario while running. */
  engine: ScenarioEngine;
}

/** One protocol's side of a listener: takes sessions, and closes its own state at shutdown. */
export interface ProtocolHandler {
  accept(session: import('../core/session.js').Session): void;
  close(): Promise<void>;
}
