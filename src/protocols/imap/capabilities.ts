import { startTlsOffered } from '../../core/starttls.js';
import { offeredMechanisms, plaintextLoginAllowed } from './auth-policy.js';
import type { CommandSpec } from './command.js';
import { bad } from './errors.js';
import type { ImapSession } from './session.js';

/** Extensions real clients rely on (issue 3), in the order they are announced. */
const EXTENSIONS = [
  'IMAP4rev1',
  'LITERAL+', // RFC 7888
  'SASL-IR', // RFC 4959
  'IDLE', // RFC 2177
  'UIDPLUS', // RFC 4315
  'NAMESPACE', // RFC 2342
  'ID', // RFC 2971
  'ENABLE', // RFC 5161
  'MOVE', // RFC 6851
  'SPECIAL-USE', // RFC 6154
  'UNSELECT', // RFC 3691
  'CHILDREN', // RFC 3348
  'ESEARCH', // RFC 4731
  'SEARCHRES', // RFC 5182
  'WITHIN', // RFC 5032
  'SORT', // RFC 5256
  'SORT=DISPLAY', // RFC 5957
  'ESORT', // RFC 5267
  'CONTEXT=SEARCH', // RFC 5267 §4
  'CONTEXT=SORT', // RFC 5267 §4
  'THREAD=ORDEREDSUBJECT', // RFC 5256
  'THREAD=REFERENCES', // RFC 5256
  'CONDSTORE', // RFC 7162 §3.1
  'QRESYNC', // RFC 7162 §3.2
  'LIST-EXTENDED', // RFC 5258
  'LIST-STATUS', // RFC 5819
  'CREATE-SPECIAL-USE', // RFC 6154
  'STATUS=SIZE', // RFC 8438
  'BINARY', // RFC 3516
  'COMPRESS=DEFLATE', // RFC 4978
  'UTF8=ACCEPT', // RFC 6855
  'MULTIAPPEND', // RFC 3502
  'CATENATE', // RFC 4469
  'QUOTA', // RFC 9208
  'QUOTA=RES-STORAGE',
  'QUOTA=RES-MESSAGE',
];

/** STARTTLS is usable: a STARTTLS port, not yet secure, and no scenario hiding it. */
export function offersStartTls(imap: ImapSession): boolean {
  return startTlsOffered(imap.session, imap.scenario.starttls);
}

/** RFC 5267 §4.1: CONTEXT=SEARCH extends ESEARCH's RETURN and CONTEXT=SORT that of SORT/ESORT; a scenario
 *  that removes the base extension takes the context one with it. */
function withoutOrphans(caps: string[]): string[] {
  const has = (atom: string) => caps.some((a) => a.toUpperCase() === atom);
  const orphan = (atom: string) =>
    (atom === 'CONTEXT=SEARCH' && !has('ESEARCH')) ||
    (atom === 'CONTEXT=SORT' && !(has('SORT') && has('ESORT')));
  return caps.filter((a) => !orphan(a.toUpperCase()));
}

/** The CAPABILITY list for this session now: STARTTLS only while it can still be used (RFC 3501
 *  §6.2.1), LOGINDISABLED when plain-text login is refused (§7.2.1), then a scenario's edits. */
export function capabilities(imap: ImapSession): string[] {
  const caps = [...EXTENSIONS];
  caps.push(`APPENDLIMIT=${imap.ctx.limits.maxMessageBytes}`); // RFC 7889: the literal limit of APPEND
  // A scenario's `beforeLogin` list (Dovecot, Gmail): a short list until login, then the full one
  // without the atoms of logging in (RFC 3501 §7.2.1 lets the list change after LOGIN).
  const beforeLogin = imap.scenario.beforeLogin;
  if (beforeLogin && imap.state.kind !== 'not-authenticated')
    return withoutOrphans(imap.scenario.capabilities(caps));
  const login: string[] = [];
  if (offersStartTls(imap)) login.push('STARTTLS');
  if (!plaintextLoginAllowed(imap)) login.push('LOGINDISABLED');
  for (const mech of offeredMechanisms(imap)) login.push(`AUTH=${mech}`);
  const listed = withoutOrphans(imap.scenario.capabilities([...caps, ...login]));
  return beforeLogin ? listed.filter((a) => beforeLogin.has(a.toUpperCase()) || login.includes(a)) : listed;
}

/** The session's CAPABILITY list names `atom` (case-insensitively): the extension may be used. A scenario
 *  that removes an atom switches the extension off, not only its advertisement (scenarios/README.md). */
export function offers(imap: ImapSession, atom: string): boolean {
  const wanted = atom.toUpperCase();
  return capabilities(imap).some((a) => a.toUpperCase() === wanted);
}

/** The command is there for this session: it needs no capability, or its capability is offered. */
export function commandOffered(imap: ImapSession, spec: CommandSpec): boolean {
  return spec.capability === undefined || offers(imap, spec.capability);
}

/**
 * An argument an extension adds (`CHANGEDSINCE`, `RETURN (...)`, `BINARY[]`): without the capability the
 * server answers BAD, as one that does not know the argument (RFC 3501 §7.1.3). `what` names it.
 */
export function requireCapability(imap: ImapSession, atom: string, what: string): void {
  if (!offers(imap, atom)) throw bad(`unknown argument ${what} (${atom} is not offered)`);
}
