/** ` <652 bytes: "From: a@b…">`: a literal in the transcript, the form IMAP's compose.ts gives it. */
export function describeLiteral(head: Buffer, size: number): string {
  const end = head.indexOf(10);
  const first = head
    .subarray(0, end < 0 ? head.length : end)
    .toString('utf8')
    .replace(/\r$/, '');
  return ` <${size} bytes${first ? `: ${JSON.stringify(first)}` : ''}>`;
}
