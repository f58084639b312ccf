import { clientStarts, fail, show, type Mechanism, type SaslStep } from '../mechanism.js';

/** RFC 4616: `authzid NUL authcid NUL passwd`, sent at once or after an empty challenge. */
function parse(payload: Buffer): SaslStep {
  const parts = payload.toString('utf8').split('\0');
  if (parts.length !== 3) return fail('PLAIN response must be authzid\\0user\\0password');
  const [authzid, username, password] = parts as [string, string, string];
  if (!username) return fail('PLAIN response has an empty user name');
  return { kind: 'done', credentials: { mechanism: 'PLAIN', authzid, username, password } };
}

export const plain: Mechanism = {
  name: 'PLAIN',
  create() {
    return clientStarts(parse);
  },
  describe(payload) {
    const parts = payload.toString('utf8').split('\0');
    if (parts.length !== 3) return `malformed PLAIN response ${show(payload.toString('utf8'))}`;
    return `authzid=${show(parts[0]!)} user=${show(parts[1]!)} password=${show(parts[2]!)}`;
  },
};
