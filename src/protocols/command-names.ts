import { registerCommands } from '../scenario/commands.js';
import { COMMANDS as IMAP_COMMANDS } from './imap/registry.js';
import { COMMANDS as POP3_COMMANDS } from './pop3/registry.js';
import { smtpCommandNames } from './smtp/command-names.js';

/**
 * Hands each protocol's command names to the scenario schema, as data, when this module loads: the
 * sandbox (protocols/registry.ts) and `mailsandbox validate` import it before any scenario is read.
 * The names are the servers' own dispatch tables, so the schema never lists a command twice.
 */
registerCommands('smtp', smtpCommandNames());
registerCommands('imap', [...IMAP_COMMANDS.keys()]);
registerCommands('pop3', [...POP3_COMMANDS.keys()]);
