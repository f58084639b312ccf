/**
 * Control characters a client sends (an escape sequence typed into a command, a stray CR) must never
 * reach a terminal or a text file as such: each C0 control is shown as its Unicode control picture
 * (CR as ␍, ESC as ␛), DEL as ␡ and each C1 control as ·. The raw text stays in the events and JSONL.
 */
export function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? '␡' : '·';
  });
}
