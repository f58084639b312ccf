import { Text } from 'ink';
import { clock, type Segment } from '../layout.js';
import { security, type MailList, type MailOrigin, type StoredMail } from '../mail.js';
import type { Theme } from '../theme.js';
import { Table, type Column } from './Table.js';

type MailColumn = Column<StoredMail>;

function size(bytes: number): string {
  return bytes < 10_000
    ? String(bytes)
    : bytes < 10_000_000
      ? `${Math.round(bytes / 1024)}K`
      : `${Math.round(bytes / 1048576)}M`;
}

/** Columns for this width: the subject takes what is left; below 110 columns the listener and the
 *  folder go (the message's own view names them) and the rest shrink. SMTP mail shows its envelope,
 *  other mail (IMAP APPEND, seeded) its From and To header fields. */
function columns(
  width: number,
  mail: MailList,
  originOf: (m: StoredMail) => MailOrigin | null,
): MailColumn[] {
  const wide = width >= 110;
  const cols: MailColumn[] = [
    {
      title: 'time',
      width: 8,
      cell: (m) => ({ text: clock(m.message.internalDate.getTime(), false), style: 'time' }),
    },
    {
      title: 'from',
      width: wide ? 18 : 13,
      cell: ({ message }) => ({
        text: message.envelope ? message.envelope.mailFrom || '<>' : mail.summaryOf(message).from || '-',
        style: 'client',
      }),
    },
    {
      title: 'to',
      width: wide ? 18 : 13,
      cell: ({ message }) => ({
        text: message.envelope ? message.envelope.rcptTo.join(', ') : mail.summaryOf(message).to || '-',
        style: 'client',
      }),
    },
  ];
  const tail: MailColumn[] = [
    {
      title: 'size',
      width: 5,
      right: true,
      cell: (m) => ({ text: size(m.message.size), style: 'server' }),
    },
    ...(wide
      ? [
          {
            title: 'folder',
            width: 8,
            cell: (m: StoredMail): Segment => ({ text: m.folder, style: 'server' }),
          },
          {
            title: 'listener',
            width: 10,
            cell: (m: StoredMail): Segment => ({
              text: originOf(m)?.listener ?? '-',
              style: 'server',
            }),
          },
        ]
      : []),
    // Mail no session brought (seeded, a Maildir, an IMAP COPY) says so instead of a blank.
    {
      title: 'session',
      width: 8,
      cell: (m) => {
        const o = originOf(m);
        return { text: o?.sid ?? 'none', style: o ? 'tag' : 'meta' };
      },
    },
    {
      title: wide ? 'TLS+auth' : 'sec',
      width: wide ? 16 : 8,
      cell: (m) => {
        const o = originOf(m);
        return { text: security(o, wide), style: o?.tls ? 'tls' : o ? 'fail' : 'meta' };
      },
    },
  ];
  const used = [...cols, ...tail].reduce((n, c) => n + c.width + 1, 2);
  const subject: MailColumn = {
    title: 'subject',
    width: Math.max(8, width - used),
    cell: (m) => ({ text: mail.summaryOf(m.message).subject || '(no subject)', style: 'server' }),
  };
  return [...cols, subject, ...tail];
}

/** Every stored message, newest first; only the rows on screen are drawn (and their subjects parsed). */
export function MessageList({
  mail,
  messages,
  originOf,
  selected,
  height,
  width,
  theme,
}: {
  mail: MailList;
  messages: StoredMail[];
  originOf: (m: StoredMail) => MailOrigin | null;
  selected: number;
  height: number;
  width: number;
  theme: Theme;
}) {
  if (messages.length === 0)
    return (
      <Text wrap="truncate-end" dimColor={theme.colors}>
        No messages yet: mail sent to the SMTP ports or APPENDed over IMAP shows here.
      </Text>
    );
  const cols = columns(width, mail, originOf);
  return (
    <Table
      items={messages}
      columns={() => cols}
      selected={selected}
      height={height}
      width={width}
      theme={theme}
    />
  );
}
