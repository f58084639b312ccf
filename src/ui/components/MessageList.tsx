import { Box, Text } from 'ink';
import { clock, type Segment } from '../layout.js';
import { security, type MailList, type MailOrigin, type StoredMail } from '../mail.js';
import type { Theme } from '../theme.js';
import { Row } from './Row.js';
import { listWindow } from './SessionList.js';

interface Column {
  title: string;
  width: number;
  cell(m: StoredMail, origin: MailOrigin | null): Segment;
}

function fit(text: string, width: number, right = false): string {
  const t = text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text;
  return right ? t.padStart(width) : t.padEnd(width);
}

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
function columns(width: number, mail: MailList): Column[] {
  const wide = width >= 110;
  const cols: Column[] = [
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
  const tail: Column[] = [
    { title: 'size', width: 5, cell: (m) => ({ text: size(m.message.size), style: 'server' }) },
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
            cell: (_m: StoredMail, o: MailOrigin | null): Segment => ({
              text: o?.listener ?? '-',
              style: 'server',
            }),
          },
        ]
      : []),
    // Mail no session brought (seeded, a Maildir, an IMAP COPY) says so instead of a blank.
    { title: 'session', width: 8, cell: (_m, o) => ({ text: o?.sid ?? 'none', style: o ? 'tag' : 'meta' }) },
    {
      title: wide ? 'TLS+auth' : 'sec',
      width: wide ? 16 : 8,
      cell: (_m, o) => ({ text: security(o, wide), style: o?.tls ? 'tls' : o ? 'fail' : 'meta' }),
    },
  ];
  const used = [...cols, ...tail].reduce((n, c) => n + c.width + 1, 2);
  const subject: Column = {
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
  const cols = columns(width, mail);
  const { start, end } = listWindow(messages.length, selected, Math.max(1, height - 1));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" bold>
        {'  ' + cols.map((c) => fit(c.title, c.width, c.title === 'size')).join(' ')}
      </Text>
      {messages.slice(start, end).map((m, i) => {
        const origin = originOf(m);
        return (
          <Row
            key={m.message.id}
            theme={theme}
            highlight={start + i === selected ? 'selected' : null}
            segments={[
              { text: start + i === selected ? '> ' : '  ', style: 'server' },
              ...cols.map((c, j) => {
                const cell = c.cell(m, origin);
                return {
                  text: fit(cell.text, c.width, c.title === 'size') + (j < cols.length - 1 ? ' ' : ''),
                  style: cell.style,
                };
              }),
            ]}
          />
        );
      })}
    </Box>
  );
}
