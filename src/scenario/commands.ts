type CommandProto = 'smtp' | 'imap' | 'pop3';

const known: Record<CommandProto, readonly string[] | null> = { smtp: null, imap: null, pop3: null };

/**
 * Each protocol hands over the command names its server dispatches, once at startup
 * (protocols/command-names.ts), so a rule on a misspelt verb is refused when the file is loaded
 * instead of never firing. Data in, nothing imported: the scenario layer loads no server.
 */
export function registerCommands(proto: CommandProto, names: readonly string[]): void {
  known[proto] = [...names];
}

/** Command names a rule's `when.command` can match in `proto`; null before the protocol registered
 *  (then rules are not checked against a list). */
export function knownCommands(proto: CommandProto): readonly string[] | null {
  return known[proto];
}
