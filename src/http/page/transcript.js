// Transcript lines as the text transcript shows them (C: / S: / --), marked for colour. The words come
// from the server's own module (src/transcript/describe.ts, served at /transcript/describe.js).
import { clock, decodedSuffix, eventText } from './transcript/describe.js';
import { el } from './dom.js';

function failed(e) {
  if (e.type === 'auth') return !e.ok;
  if (e.type === 'note') return e.level !== 'info';
  if (e.type === 'finding') return e.severity !== 'info';
  if (e.type !== 'server-line') return false;
  if (e.proto === 'smtp') return /^[45]\d\d/.test(e.line);
  if (e.proto === 'pop3') return e.line.startsWith('-ERR');
  return /^\S+ (NO|BAD)\b/i.test(e.line) && !e.line.startsWith('* ');
}

export function lineNode(e) {
  const kind =
    e.type === 'client-line'
      ? 'client'
      : e.type === 'server-line'
        ? 'server'
        : e.type === 'note'
          ? 'note'
          : 'meta';
  const line = el('div', { className: failed(e) ? 'fail' : kind, text: `${clock(e.time)} ${eventText(e)}` });
  const decoded = decodedSuffix(e);
  if (decoded) line.append(el('span', { className: 'decoded', text: decoded }));
  return line;
}
