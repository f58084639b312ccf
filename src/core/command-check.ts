/**
 * The checks a command table makes once, centrally, before any handler runs (as wildduck's
 * validateCommand and dovecot's imap-commands.c do): the verb is known, it is allowed in the session's
 * state, it has as many arguments as it takes. IMAP and POP3 say the outcome in their own words.
 */
export type CommandCheck<Row> =
  | { kind: 'ok'; row: Row }
  | { kind: 'unknown' }
  | { kind: 'wrong-state'; row: Row }
  | { kind: 'arity'; row: Row; min: number; max: number };

/** `row` is the table's entry for the verb (undefined: none); `arity` reads the counts it allows. */
export function checkCommand<State, Row extends { readonly states: readonly State[] }>(
  row: Row | undefined,
  state: State,
  argCount: number,
  arity: (row: Row) => readonly [min: number, max: number],
): CommandCheck<Row> {
  if (!row) return { kind: 'unknown' };
  if (!row.states.includes(state)) return { kind: 'wrong-state', row };
  const [min, max] = arity(row);
  if (argCount < min || argCount > max) return { kind: 'arity', row, min, max };
  return { kind: 'ok', row };
}
