import { isAscii } from 'node:buffer';
import type { MessageShape } from './events.js';

/**
 * The facts the findings need about a message's bytes: a LF not after a CR or a CR not before a LF
 * (RFC 5321 §2.3.8 forbids both in SMTP), the longest line (RFC 5322 §2.1.1: 998 octets), and 8-bit
 * octets (RFC 6152: only with BODY=8BITMIME). Runs on every stored message, so the scans are the
 * native ones (indexOf for line ends, isAscii) rather than a JavaScript loop over each byte.
 */
export function messageShape(raw: Uint8Array): MessageShape {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let bareLf = false;
  let longestLine = 0;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
    const crlf = i > 0 && bytes[i - 1] === 0x0d;
    if (!crlf) bareLf = true;
    longestLine = Math.max(longestLine, i - lineStart - (crlf ? 1 : 0));
    lineStart = i + 1;
  }
  longestLine = Math.max(longestLine, bytes.length - lineStart);
  let bareCr = false;
  for (let i = bytes.indexOf(0x0d); i !== -1 && !bareCr; i = bytes.indexOf(0x0d, i + 1))
    if (bytes[i + 1] !== 0x0a) bareCr = true;
  return { bareLf, bareCr, longestLine, eightBit: !isAscii(bytes) };
}
