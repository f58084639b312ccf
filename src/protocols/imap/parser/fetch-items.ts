import { bad } from '../errors.js';
import type { Token } from './tokenizer.js';

/** The section of a BODY[...] fetch (RFC 3501 §6.4.5), the shape store/mime.ts takes. */
export interface SectionSpec {
  part: number[];
  kind: 'full' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  fields?: string[];
}

export type SimpleItem =
  | 'UID'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT'
  /** RFC 7162 §3.1.4 */
  | 'MODSEQ';

export type FetchItem =
  | { kind: 'simple'; name: SimpleItem }
  | {
      kind: 'section';
      /** BODY.PEEK does not set \Seen. */
      peek: boolean;
      section: SectionSpec;
      partial: { offset: number; length: number | null } | null;
      /** The response item name without the partial: `BODY[1.HEADER.FIELDS (From)]`. */
      label: string;
    }
  /** RFC 3516: BINARY[part]<partial>, BINARY.PEEK[part], BINARY.SIZE[part]. */
  | {
      kind: 'binary';
      peek: boolean;
      size: boolean;
      part: number[];
      partial: { offset: number; length: number | null } | null;
      /** `BINARY[1.2]` or `BINARY.SIZE[1.2]`. */
      label: string;
    };

const SIMPLE = new Set<string>([
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODY',
  'BODYSTRUCTURE',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
  'MODSEQ',
]);

/** RFC 3501 §6.4.5 macros. */
const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

function sectionOf(tokens: Token[]): { spec: SectionSpec; text: string } {
  if (tokens.length === 0) return { spec: { part: [], kind: 'full' }, text: '' };
  const head = tokens[0]!;
  if (head.type !== 'atom') throw bad('invalid section');
  const names = head.value.split('.');
  const part: number[] = [];
  while (names.length && /^\d+$/.test(names[0]!)) {
    const n = Number(names.shift());
    if (n < 1) throw bad('section part numbers start at 1');
    part.push(n);
  }
  const rest = names.join('.').toUpperCase();
  let kind: SectionSpec['kind'];
  if (rest === '') kind = 'full';
  else if (rest === 'HEADER' || rest === 'TEXT' || rest === 'HEADER.FIELDS' || rest === 'HEADER.FIELDS.NOT')
    kind = rest;
  else if (rest === 'MIME' && part.length) kind = 'MIME';
  else throw bad(`invalid section ${head.value}`);
  const prefix = [...part.map(String), ...(rest ? [rest] : [])].join('.');
  if (kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT') {
    const list = tokens[1];
    if (tokens.length !== 2 || list?.type !== 'list' || list.items.length === 0)
      throw bad(`${rest} needs a list of header field names`);
    const fields = list.items.map((t) => {
      if (t.type === 'atom' && !t.section) return t.value;
      if (t.type === 'string') return t.value.toString('latin1');
      throw bad('invalid header field name');
    });
    // The response echoes the field names (RFC 3501 §7.4.2); upper-cased as Dovecot does.
    const echoed = fields.map((f) =>
      /^[\x21-\x7e]+$/.test(f) && !/["\\]/.test(f) ? f.toUpperCase() : JSON.stringify(f),
    );
    return { spec: { part, kind, fields }, text: `${prefix} (${echoed.join(' ')})` };
  }
  if (tokens.length !== 1) throw bad('invalid section');
  return { spec: { part, kind }, text: prefix };
}

function item(token: Token): FetchItem {
  if (token.type !== 'atom') throw bad('expected a fetch attribute');
  const name = token.value.toUpperCase();
  if (token.section && name.startsWith('BINARY')) return binaryItem(name, token);
  if (token.section) {
    if (name !== 'BODY' && name !== 'BODY.PEEK') throw bad(`${token.value}[...] is not supported`);
    const { spec, text } = sectionOf(token.section);
    return {
      kind: 'section',
      peek: name === 'BODY.PEEK',
      section: spec,
      partial: token.partial ?? null,
      label: `BODY[${text}]`,
    };
  }
  if (!SIMPLE.has(name)) throw bad(`unknown fetch attribute ${token.value}`);
  return { kind: 'simple', name: name as SimpleItem };
}

/** `section-binary = "[" [section-part] "]"` (RFC 3516 §4.2): part numbers only. */
function binaryItem(name: string, token: Extract<Token, { type: 'atom' }>): FetchItem {
  const section = token.section ?? [];
  const text = section.length === 1 && section[0]!.type === 'atom' ? section[0]!.value : '';
  if (section.length > 1 || (section.length === 1 && !/^[1-9]\d*(\.[1-9]\d*)*$/.test(text)))
    throw bad(`${name}[...] takes part numbers only`);
  const size = name === 'BINARY.SIZE';
  if (size && token.partial) throw bad('BINARY.SIZE takes no <partial>');
  const part = text ? text.split('.').map(Number) : [];
  return {
    kind: 'binary',
    peek: name !== 'BINARY',
    size,
    part,
    partial: token.partial ?? null,
    label: `${size ? 'BINARY.SIZE' : 'BINARY'}[${text}]`,
  };
}

/** The fetch attributes of a FETCH command: a macro, one attribute, or a list. */
export function parseFetchItems(token: Token | undefined): FetchItem[] {
  if (!token) throw bad('FETCH needs the data items to fetch');
  if (token.type === 'atom' && !token.section && MACROS[token.value.toUpperCase()])
    return MACROS[token.value.toUpperCase()]!.map((name) => ({ kind: 'simple', name }));
  const tokens = token.type === 'list' ? token.items : [token];
  if (tokens.length === 0) throw bad('empty list of fetch attributes');
  return tokens.map(item);
}
