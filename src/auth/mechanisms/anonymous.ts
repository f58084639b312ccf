import { fail, show, type Mechanism, type SaslStep } from '../mechanism.js';

/** RFC 4505 §2: at most 255 characters of trace information (usually an e-mail address), maybe none. */
const MAX_TRACE_CHARS = 255;

function take(payload: Buffer): SaslStep {
  const trace = payload.toString('utf8');
  if ([...trace].length > MAX_TRACE_CHARS) return fail('ANONYMOUS trace is longer than 255 characters');
  return { kind: 'done', credentials: { mechanism: 'ANONYMOUS', username: 'anonymous', trace } };
}

export const anonymous: Mechanism = {
  name: 'ANONYMOUS',
  create() {
    return {
      start: (initial) => (initial !== null ? take(initial) : { kind: 'challenge', data: Buffer.alloc(0) }),
      step: take,
    };
  },
  describe(payload) {
    return `trace=${show(payload.toString('utf8'))}`;
  },
};
