import { offeredMechanisms, plaintextLoginAllowed } from './auth-policy.js';
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
];

/** STARTTLS is usable: a STARTTLS port, not yet secure, and no scenario hiding it. */
export function offersStartTls(imap: ImapSession): boolean {
  const session = imap.session;
  return session.listener.tls === 'starttls' && !session.tls && imap.scenario?.starttls !== 'hide';
}

/** The CAPABILITY list for this session now: STARTTLS only while it can still be used (RFC 3501
 *  §6.2.1), LOGINDISABLED when plain-text login is refused (§7.2.1), then a scenario's edits. */
export function capabilities(imap: ImapSession): string[] {
  const caps = [...EXTENSIONS];
  if (offersStartTls(imap)) caps.push('STARTTLS');
  if (!plaintextLoginAllowed(imap)) caps.push('LOGINDISABLED');
  for (const mech of offeredMechanisms(imap)) caps.push(`AUTH=${mech}`);
  return imap.scenario?.capabilities(caps) ?? caps;
}
