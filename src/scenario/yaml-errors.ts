import type { ErrorCode } from 'yaml';

/**
 * What a YAML syntax error means, in our words: the parser's own messages ("Flow sequence in block
 * collection must be sufficiently indented and end with a ]") describe its grammar, not the file.
 * Every scenario problem reads `file:line:col: what is wrong (what to write instead)`.
 */
const WORDING: Partial<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias (*name) cannot carry a tag or an anchor',
  BAD_ALIAS: 'an alias (*name) that no anchor (&name) defines before it',
  BAD_DIRECTIVE: 'a % directive YAML does not know (remove the line)',
  BAD_DQ_ESCAPE: 'an escape in a "double-quoted" string YAML does not know (write \\\\ for a backslash)',
  BAD_INDENT: 'wrong indentation: line this up with the other keys of its block',
  BAD_PROP_ORDER: 'write the anchor (&name) or tag (!tag) before the value, on the same line',
  BAD_SCALAR_START: 'a plain value cannot start with this character (put the value in quotes)',
  BLOCK_AS_IMPLICIT_KEY: 'a key cannot be a block (write key: value on one line)',
  BLOCK_IN_FLOW: 'a block (one item per line) inside [ ] or { } (write the items with commas)',
  DUPLICATE_KEY: 'this key is given twice in the same block (keep one)',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'something is not closed: a [ needs its ], a { its }, a quote its closing quote',
  MULTILINE_IMPLICIT_KEY: 'a key cannot span lines (is a colon or quote missing on the line before?)',
  MULTIPLE_ANCHORS: 'one value, two anchors (&name): keep one',
  MULTIPLE_DOCS: 'more than one document (---): a scenario is one document',
  MULTIPLE_TAGS: 'one value, two tags (!tag): keep one',
  NON_STRING_KEY: 'a key must be a plain name',
  TAB_AS_INDENT: 'a tab used for indentation: YAML indents with spaces',
  TAG_RESOLVE_FAILED: 'a value that does not fit its tag (!tag)',
  UNEXPECTED_TOKEN: 'unexpected text here (a missing colon, an extra bracket, or a stray character)',
  BAD_COLLECTION_TYPE: 'a tag (!tag) that does not fit this list or map',
};

/** `YAML syntax: <meaning>`, or the parser's first line for codes we have no words for. */
export function yamlSyntaxReason(code: ErrorCode, parserMessage: string): string {
  // The parser files an unclosed `[` or `{` under indentation; the bracket is what the user forgot.
  const flow = /^Flow (sequence|mapping)/.exec(parserMessage);
  if (flow) {
    const [open, close] = flow[1] === 'sequence' ? ['[', ']'] : ['{', '}'];
    return `YAML syntax: a ${open} is not closed with ${close} (or the line after it is not indented enough)`;
  }
  return `YAML syntax: ${WORDING[code] ?? parserMessage.split('\n')[0]!}`;
}
