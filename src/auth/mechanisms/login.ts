import { fail, show, type Mechanism, type SaslExchange } from '../mechanism.js';

const USERNAME_PROMPT = Buffer.from('Username:');
const PASSWORD_PROMPT = Buffer.from('Password:');

/** The obsolete but ubiquitous LOGIN mechanism (draft-murchison-sasl-login): user, then password. */
export const login: Mechanism = {
  name: 'LOGIN',
  create(): SaslExchange {
    let username: string | null = null;
    const take = (payload: Buffer) => {
      if (username === null) {
        username = payload.toString('utf8');
        if (!username) return fail('LOGIN user name is empty');
        return { kind: 'challenge' as const, data: PASSWORD_PROMPT };
      }
      return {
        kind: 'done' as const,
        credentials: {
          mechanism: 'LOGIN' as const,
          authzid: '',
          username,
          password: payload.toString('utf8'),
        },
      };
    };
    return {
      start: (initial) =>
        initial && initial.length ? take(initial) : { kind: 'challenge', data: USERNAME_PROMPT },
      step: take,
    };
  },
  describe(payload, index) {
    return `${index === 0 ? 'user' : 'password'}=${show(payload.toString('utf8'))}`;
  },
};
