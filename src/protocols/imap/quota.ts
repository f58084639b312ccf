/**
 * QUOTA (RFC 9208) as a scenario sets it: one quota root, `""`, over every mailbox of a maildrop, with
 * STORAGE (KiB) and MESSAGE limits from the scenario's `imap: quota:`; usage is counted from the store.
 */
import type { MailStore } from '../../store/mail-store.js';
import { no } from './errors.js';
import type { ImapSession } from './session.js';

export const QUOTA_ROOT = '';

export interface Usage {
  bytes: number;
  messages: number;
}

export async function usageOf(store: MailStore, drop: string): Promise<Usage> {
  let bytes = 0;
  let messages = 0;
  for (const folder of await store.folders(drop))
    for (const m of folder.messages) {
      bytes += m.size;
      messages++;
    }
  return { bytes, messages };
}

/** `STORAGE used limit MESSAGE used limit` for the limits the scenario sets (RFC 9208 §5.1). */
export async function quotaResources(imap: ImapSession): Promise<string> {
  const limits = imap.scenario?.quota;
  if (!limits) return '';
  const used = await usageOf(imap.ctx.store, imap.account.drop);
  const out: string[] = [];
  if (limits.storage !== undefined) out.push(`STORAGE ${Math.ceil(used.bytes / 1024)} ${limits.storage}`);
  if (limits.messages !== undefined) out.push(`MESSAGE ${used.messages} ${limits.messages}`);
  return out.join(' ');
}

/** RFC 9208 §4.3 / §7.1: adding `bytes` in `count` messages would pass a limit → NO [OVERQUOTA]. */
export async function checkQuota(imap: ImapSession, bytes: number, count: number): Promise<void> {
  const limits = imap.scenario?.quota;
  if (!limits) return;
  const used = await usageOf(imap.ctx.store, imap.account.drop);
  if (limits.storage !== undefined && Math.ceil((used.bytes + bytes) / 1024) > limits.storage)
    throw no(`over quota: storage limit is ${limits.storage} KiB`, 'OVERQUOTA');
  if (limits.messages !== undefined && used.messages + count > limits.messages)
    throw no(`over quota: message limit is ${limits.messages}`, 'OVERQUOTA');
}
