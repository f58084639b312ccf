import { no } from './errors.js';
import type { Wire } from './compose.js';
import type { SectionSpec } from './parser/fetch-items.js';

/**
 * The MIME functions IMAP needs (store/mime.ts: ENVELOPE, BODYSTRUCTURE, section bytes, decoded
 * headers and text for SEARCH), loaded once. Until that module is part of the build, the top-level
 * sections are cut here so the basic FETCHes still work; ENVELOPE and BODYSTRUCTURE answer NO.
 */
export interface MimeFunctions {
  envelope(raw: Buffer): Wire[];
  bodyStructure(raw: Buffer, extended: boolean): Wire[];
  bodySection(raw: Buffer, section: SectionSpec): Buffer | null;
  headerValues(raw: Buffer, field: string): string[];
  bodyText(raw: Buffer): string;
}

const MODULE = '../../store/mime.js';
let loaded: Partial<MimeFunctions> = {};
try {
  loaded = (await import(MODULE)) as Partial<MimeFunctions>;
} catch {
  loaded = {};
}

function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : raw.length;
}

function topFields(raw: Buffer): { name: string; bytes: Buffer }[] {
  const head = raw.subarray(0, headerEnd(raw)).toString('latin1');
  const fields: { name: string; bytes: Buffer }[] = [];
  for (const m of head.matchAll(/^([^\s:]+):.*(?:\r?\n[ \t].*)*\r?\n/gm))
    fields.push({ name: m[1]!.toLowerCase(), bytes: Buffer.from(m[0], 'latin1') });
  return fields;
}

const fallback: MimeFunctions = {
  envelope: () => {
    throw no('ENVELOPE is not available in this build', 'SERVERBUG');
  },
  bodyStructure: () => {
    throw no('BODYSTRUCTURE is not available in this build', 'SERVERBUG');
  },
  bodySection(raw, section) {
    if (section.part.length) throw no('body parts are not available in this build', 'SERVERBUG');
    const end = headerEnd(raw);
    switch (section.kind) {
      case 'full':
        return raw;
      case 'HEADER':
        return raw.subarray(0, end);
      case 'TEXT':
        return raw.subarray(end);
      case 'HEADER.FIELDS':
      case 'HEADER.FIELDS.NOT': {
        const wanted = new Set(section.fields!.map((f) => f.toLowerCase()));
        const keep = section.kind === 'HEADER.FIELDS';
        const picked = topFields(raw).filter((f) => wanted.has(f.name) === keep);
        return Buffer.concat([...picked.map((f) => f.bytes), Buffer.from('\r\n')]);
      }
      default:
        return null;
    }
  },
  headerValues(raw, field) {
    return topFields(raw)
      .filter((f) => f.name === field.toLowerCase())
      .map((f) =>
        f.bytes
          .toString('utf8')
          .slice(field.length + 1)
          .replace(/\r?\n[ \t]/g, ' ')
          .trim(),
      );
  },
  bodyText: (raw) => raw.subarray(headerEnd(raw)).toString('utf8'),
};

export const mime: MimeFunctions = {
  envelope: loaded.envelope ?? fallback.envelope,
  bodyStructure: loaded.bodyStructure ?? fallback.bodyStructure,
  bodySection: loaded.bodySection ?? fallback.bodySection,
  headerValues: loaded.headerValues ?? fallback.headerValues,
  bodyText: loaded.bodyText ?? fallback.bodyText,
};
