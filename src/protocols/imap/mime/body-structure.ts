/**
 * BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) of a parsed MIME tree, field by field as Dovecot writes
 * them: media type and parameters as written, `charset us-ascii` added to text parts that name none
 * (RFC 2045 §5.2), sizes in octets of the encoded body, line counts for text/* and message/rfc822.
 */
import {
  parseContentValue,
  parseEncoding,
  parseLanguageList,
  type Param,
} from '../../../store/mime/content-header.js';
import { envelopeOf } from './envelope.js';
import { nstring, type ImapData } from './imap-data.js';
import { firstValid, firstValue, headerFields, type HeaderField } from '../../../store/mime/header.js';
import type { MimePart } from '../../../store/mime/tree.js';

function countLines(raw: Buffer, start: number, end: number): number {
  let lines = 0;
  for (let pos = raw.indexOf(0x0a, start); pos !== -1 && pos < end; pos = raw.indexOf(0x0a, pos + 1)) lines++;
  return lines;
}

function paramList(params: Param[]): ImapData[] | null {
  if (params.length === 0) return null;
  const list: ImapData[] = [];
  for (const [name, value] of params) list.push(nstring(name), nstring(value));
  return list;
}

/** body-fld-dsp, body-fld-lang, body-fld-loc: the extension fields every part has. */
function dispositionLanguageLocation(raw: Buffer, fields: HeaderField[]): ImapData[] {
  const dispositionText = firstValue(raw, fields, 'content-disposition');
  const disposition = dispositionText === null ? null : parseContentValue(dispositionText, false);
  const languageText = firstValue(raw, fields, 'content-language');
  const languages = languageText === null ? [] : parseLanguageList(languageText);
  return [
    disposition ? [nstring(disposition.type), paramList(disposition.params)] : null,
    languages.length ? languages.map((tag) => nstring(tag)) : null,
    nstring(firstValue(raw, fields, 'content-location')),
  ];
}

/** An empty text/plain part: what Dovecot shows for a multipart without parts or an unreadable message/rfc822. */
function emptyTextPart(extended: boolean): ImapData[] {
  const basic: ImapData[] = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0];
  return extended ? [...basic, null, null, null, null] : basic;
}

export function structureOf(raw: Buffer, part: MimePart, extended: boolean): ImapData[] {
  const ct = part.contentType;
  // Content-* fields of a non-MIME message do not count (Dovecot), and no other field is needed here.
  const fields = part.isMime ? headerFields(raw, part.header) : [];
  if (part.mediaType === 'multipart') {
    const children = part.children.length
      ? part.children.map((child) => structureOf(raw, child, extended))
      : [emptyTextPart(extended)];
    const list: ImapData[] = [...children, nstring(ct!.subtype)];
    if (extended) list.push(paramList(ct!.params), ...dispositionLanguageLocation(raw, fields));
    return list;
  }

  let params: Param[] = ct ? ct.params : [];
  if (part.mediaType === 'text' && !params.some(([name]) => name.toLowerCase() === 'charset')) {
    params = [...params, ['charset', 'us-ascii']];
  }
  const size = part.bodyEnd - part.bodyStart;
  const list: ImapData[] = [
    nstring(ct ? ct.type : part.mediaType),
    nstring(ct ? ct.subtype : part.mediaSubtype),
    paramList(params),
    nstring(firstValue(raw, fields, 'content-id')),
    nstring(firstValue(raw, fields, 'content-description')),
    nstring(firstValid(raw, fields, 'content-transfer-encoding', parseEncoding) ?? '7bit'),
    size,
  ];
  if (part.mediaType === 'message' && part.mediaSubtype === 'rfc822') {
    const inner = part.message;
    list.push(
      inner ? envelopeOf(raw, inner.header) : [null, null, null, null, null, null, null, null, null, null],
      inner ? structureOf(raw, inner, extended) : emptyTextPart(extended),
      countLines(raw, part.bodyStart, part.bodyEnd),
    );
  } else if (part.mediaType === 'text') {
    list.push(countLines(raw, part.bodyStart, part.bodyEnd));
  }
  if (extended)
    list.push(nstring(firstValue(raw, fields, 'content-md5')), ...dispositionLanguageLocation(raw, fields));
  return list;
}
