import { bad } from '../errors.js';
import { astring } from './args.js';
import type { Token } from './tokenizer.js';

/** A LIST command as RFC 5258 §3 reads it (LSUB and the RFC 3501 form are special cases). */
export interface ListRequest {
  /** Selection options were given, or several patterns: the reply follows RFC 5258. */
  extended: boolean;
  selectSubscribed: boolean;
  recursiveMatch: boolean;
  /** RFC 6154 §3: only mailboxes with a special-use attribute. */
  selectSpecialUse: boolean;
  returnSubscribed: boolean;
  /** RFC 5819: STATUS items to send after each selectable mailbox, or null. */
  returnStatus: Token[] | null;
  reference: string;
  patterns: string[];
}

function optionNames(token: Token | undefined, what: string): Token[] {
  if (token?.type !== 'list') throw bad(`expected a parenthesised list of ${what}`);
  return token.items;
}

/** `LIST [(selection)] reference (pattern | (patterns)) [RETURN (options)]` (RFC 5258 §6). `offers`
 *  says which extensions the session has (LIST-EXTENDED, LIST-STATUS, SPECIAL-USE). */
export function parseList(args: Token[], offers: (capability: string) => boolean): ListRequest {
  const request: ListRequest = {
    extended: false,
    selectSubscribed: false,
    recursiveMatch: false,
    selectSpecialUse: false,
    returnSubscribed: false,
    returnStatus: null,
    reference: '',
    patterns: [],
  };
  let rest = args;
  const extended = offers('LIST-EXTENDED');
  if (rest[0]?.type === 'list') {
    for (const option of optionNames(rest[0], 'selection options')) {
      const name = option.type === 'atom' ? option.value.toUpperCase() : '';
      if (name === 'SPECIAL-USE' && offers('SPECIAL-USE')) request.selectSpecialUse = true;
      else if (name === 'SUBSCRIBED' && extended) request.selectSubscribed = true;
      else if (name === 'RECURSIVEMATCH' && extended) request.recursiveMatch = true;
      else if (name === 'REMOTE' && extended)
        continue; // no remote mailboxes here (RFC 5258 §3.1)
      else throw bad(`unknown LIST selection option ${option.type === 'atom' ? option.value : '(list)'}`);
    }
    // RFC 5258 §3.1: RECURSIVEMATCH alone is an error.
    if (request.recursiveMatch && !request.selectSubscribed && !request.selectSpecialUse)
      throw bad('RECURSIVEMATCH needs another selection option');
    request.extended = true;
    rest = rest.slice(1);
  }
  if (rest.length < 2) throw bad('LIST takes a reference and a mailbox pattern');
  request.reference = astring(rest[0], 'a reference name');
  if (rest[1]!.type === 'list' && extended) {
    request.patterns = rest[1].items.map((p) => astring(p, 'a mailbox pattern'));
    if (request.patterns.length === 0) throw bad('LIST needs at least one mailbox pattern');
    request.extended = true;
  } else request.patterns = [astring(rest[1], 'a mailbox pattern')];
  rest = rest.slice(2);
  if (rest.length === 0) return request;
  if (rest.length !== 2 || rest[0]!.type !== 'atom' || rest[0].value.toUpperCase() !== 'RETURN')
    throw bad('LIST takes RETURN (options) after its patterns');
  const options = optionNames(rest[1], 'return options');
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    const name = option.type === 'atom' ? option.value.toUpperCase() : '';
    if (name === 'SPECIAL-USE' && offers('SPECIAL-USE')) continue; // always returned
    if (name === 'CHILDREN' && extended) continue; // \HasChildren / \HasNoChildren always returned
    if (name === 'SUBSCRIBED' && extended) request.returnSubscribed = true;
    else if (name === 'STATUS' && offers('LIST-STATUS'))
      request.returnStatus = optionNames(options[++i], 'status items');
    else throw bad(`unknown LIST return option ${option.type === 'atom' ? option.value : '(list)'}`);
  }
  request.extended = true;
  return request;
}
