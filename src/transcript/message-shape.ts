import type { MessageShape } from './events.js';

/**
 * One pass over a message's bytes for the facts the findings need: a LF not after a CR or a CR not
 * before a LF (RFC 5321 §2.3.8 forbids both in SMTP), the longest line (RFC 5322 §2.1.1: 998
 * octets), and 8-bit octets (RFC 6152: only with BODY=8BITMIME).
 */
export function messageShape(raw: Uint8Array): MessageShape {
  let bareLf = false;
  let bareCr = false;
  let eightBit = false;
  let longestLine = 0;
  let lineStart = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x0a) {
      const crlf = i > 0 && raw[i - 1] === 0x0d;
      if (!crlf) bareLf = true;
      longestLine = Math.max(longestLine, i - lineStart - (crlf ? 1 : 0));
      lineStart = i + 1;
    } else if (b === 0x0d) {
      if (raw[i + 1] !== 0x0a) bareCr = true;
    } else if (b > 0x7f) eightBit = true;
  }
  longestLine = Math.max(longestLine, raw.length - lineStart);
  return { bareLf, bareCr, longestLine, eightBit };
}
