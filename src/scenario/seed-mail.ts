import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { MailStore } from '../store/mail-store.js';
import type { Scenario } from './load.js';

/**
 * Splits an mbox file into messages (mboxrd, as written by most tools): each message starts at a
 * `From ` line; `>From ` quoting inside bodies is undone one level. A file without `From ` lines is
 * one .eml message. Line ends become CRLF, as the store keeps messages in wire form.
 */
export function splitMessages(data: Buffer): Buffer[] {
  const text = data.toString('latin1').replace(/\r?\n/g, '\n');
  if (!text.startsWith('From ')) return [Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1')];
  const messages: Buffer[] = [];
  for (const chunk of text.split(/^From [^\n]*\n/m).slice(1)) {
    const body = chunk.replace(/\n$/, '').replace(/^>(>*From )/gm, '$1');
    messages.push(Buffer.from(body.replace(/\n/g, '\r\n') + '\r\n', 'latin1'));
  }
  return messages;
}

/** Puts the scenario's `mail` seeds into the store (paths were checked by the loader). */
export async function seedMail(store: MailStore, scenario: Scenario): Promise<number> {
  let count = 0;
  for (const seed of scenario.mail ?? []) {
    const data = await readFile(resolve(scenario.baseDir!, seed.file));
    const drop = store.maildropFor(seed.user);
    if (!(await store.folder(drop, seed.folder))) await store.createFolder(drop, seed.folder);
    for (const raw of splitMessages(data)) {
      await store.append(drop, seed.folder, raw);
      count++;
    }
  }
  return count;
}
