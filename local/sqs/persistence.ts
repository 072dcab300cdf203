/**
 * Keeps the local SQS's messages across restarts when the local cloud has a data directory (DATA_DIR), as SQS keeps
 * them in AWS: a message a SendMessage was answered for and not yet deleted is there after a kill -9, and is
 * delivered again (issue 15: an order.confirmed queued for the email and receipt processors when the platform died
 * was lost with it, so the order never got its email). One append-only journal per queue, `<dir>/<queue>.jsonl`:
 * a line per message put in the queue (sent, moved in) and per message taken out (deleted, moved out, expired),
 * written synchronously, so the page cache holds it when the process dies. On load the journal is replayed and
 * rewritten with the live messages only; while running it is rewritten the same way once dead lines dominate.
 *
 * Kept: the message and its attributes. Not kept: receives (a restored message is visible at once with a receive
 * count of 0, as if its in-flight receive had timed out), delays (a delayed message is visible at once).
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageAttributeValue } from './checksums';

/** What is kept of a message. */
export interface PersistedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly messageGroupId?: string;
  readonly traceHeader?: string;
  readonly enqueuedAt: number;
  readonly sentTimestamp: number;
  readonly deadLetterQueueSourceArn?: string;
}

/** Where the local SQS writes its messages through to; absent, they live in memory only. */
export interface MessagePersistence {
  /** The messages a queue held when the last run ended, oldest first. */
  load(queue: string): PersistedMessage[];
  put(queue: string, message: PersistedMessage): void;
  remove(queue: string, messageId: string): void;
  clear(queue: string): void;
}

type JournalLine = { readonly put: PersistedMessage } | { readonly remove: string };

/** A journal is rewritten with its live messages once it holds this many lines more than twice the live ones. */
const COMPACT_SLACK = 1000;

/** Journals as files under `dir`, one per queue (queue names are file-name safe: letters, digits, - and _). */
export const fileMessagePersistence = (dir: string): MessagePersistence => {
  const live = new Map<string, Map<string, PersistedMessage>>();
  const lines = new Map<string, number>();
  const file = (queue: string): string => join(dir, `${queue}.jsonl`);
  const liveOf = (queue: string): Map<string, PersistedMessage> => {
    let messages = live.get(queue);
    if (messages === undefined) {
      messages = new Map();
      live.set(queue, messages);
    }
    return messages;
  };
  const rewrite = (queue: string): void => {
    mkdirSync(dir, { recursive: true });
    const messages = [...liveOf(queue).values()];
    const temporary = `${file(queue)}.tmp-${process.pid}`;
    writeFileSync(temporary, messages.map((put) => `${JSON.stringify({ put })}\n`).join(''));
    renameSync(temporary, file(queue));
    lines.set(queue, messages.length);
  };
  const append = (queue: string, line: JournalLine): void => {
    mkdirSync(dir, { recursive: true });
    appendFileSync(file(queue), `${JSON.stringify(line)}\n`);
    const written = (lines.get(queue) ?? 0) + 1;
    lines.set(queue, written);
    if (written > 2 * liveOf(queue).size + COMPACT_SLACK) rewrite(queue);
  };
  return {
    load(queue) {
      let text: string;
      try {
        text = readFileSync(file(queue), 'utf8');
      } catch {
        return [];
      }
      const messages = liveOf(queue);
      messages.clear();
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        let line: JournalLine;
        try {
          line = JSON.parse(raw) as JournalLine;
        } catch {
          continue; // a line torn by a crash mid-append: that call was never answered
        }
        if ('put' in line) messages.set(line.put.messageId, line.put);
        else messages.delete(line.remove);
      }
      rewrite(queue);
      return [...messages.values()];
    },
    put(queue, message) {
      liveOf(queue).set(message.messageId, message);
      append(queue, { put: message });
    },
    remove(queue, messageId) {
      if (!liveOf(queue).delete(messageId)) return;
      append(queue, { remove: messageId });
    },
    clear(queue) {
      liveOf(queue).clear();
      lines.set(queue, 0);
      rmSync(file(queue), { force: true });
    },
  };
};
