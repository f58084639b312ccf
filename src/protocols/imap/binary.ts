/**
 * BINARY (RFC 3516): a part's content with its Content-Transfer-Encoding undone. `BINARY[]` is the whole
 * message, its body decoded when it is a single part; a multipart or message/rfc822 part is sent as it is
 * (RFC 2045 §6.4: composite parts are never encoded). An encoding this server cannot undo is the
 * `[UNKNOWN-CTE]` answer of §4.3.
 */
import { mimeTree, type MimePart } from '../../store/mime.js';
import { parseEncoding } from '../../store/mime/content-header.js';
import { firstValid, headerFields } from '../../store/mime/header.js';
import { partAt } from '../../store/mime/section.js';
import { transferDecode } from '../../store/mime/text.js';
import { no } from './errors.js';

const KNOWN_ENCODINGS = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

/** The last part decoded per message: BINARY.SIZE then BINARY[] (what clients do) decodes once, and
 *  no more than one decoded copy per message stays in memory. */
const cache = new WeakMap<Buffer, { key: string; data: Buffer }>();

function decodedLeaf(raw: Buffer, part: MimePart): Buffer {
  const fields = part.isMime ? headerFields(raw, part.header) : [];
  const encoding = firstValid(raw, fields, 'content-transfer-encoding', parseEncoding)?.toLowerCase();
  if (encoding && !KNOWN_ENCODINGS.has(encoding))
    throw no(`unknown Content-Transfer-Encoding ${encoding}`, 'UNKNOWN-CTE');
  return transferDecode(raw, part);
}

function compute(raw: Buffer, path: number[]): Buffer | null {
  const root = mimeTree(raw);
  if (path.length === 0) {
    if (root.children.length || root.message) return raw;
    return Buffer.concat([raw.subarray(0, root.bodyStart), decodedLeaf(raw, root)]);
  }
  const part = partAt(root, path);
  if (!part) return null;
  if (part.children.length || part.message) return raw.subarray(part.bodyStart, part.bodyEnd);
  return decodedLeaf(raw, part);
}

/** The decoded bytes of BINARY[path], null when the part does not exist; throws NO [UNKNOWN-CTE]. */
export function binaryContent(raw: Buffer, path: number[]): Buffer | null {
  const key = path.join('.');
  const hit = cache.get(raw);
  if (hit?.key === key) return hit.data;
  const data = compute(raw, path);
  if (data !== null) cache.set(raw, { key, data });
  return data;
}
