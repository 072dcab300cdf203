/**
 * Keeps the local SES's captured mail across restarts when the local cloud has a data directory (DATA_DIR): one
 * JSON line per mail appended to `<dir>/emails.jsonl`, synchronously, so a mail SES answered for survives a kill -9
 * right after (issue 15). A torn last line (a crash mid-write) is skipped on load.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedEmail } from './model';

/** Where the local SES writes captured mail through to; absent, mail lives in memory only. */
export interface MailPersistence {
  load(): CapturedEmail[];
  append(email: CapturedEmail): void;
  clear(): void;
}

export const fileMailPersistence = (dir: string): MailPersistence => {
  const file = join(dir, 'emails.jsonl');
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return [];
      }
      const emails: CapturedEmail[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          emails.push(JSON.parse(line) as CapturedEmail);
        } catch {
          // a line torn by a crash mid-append: that mail was never acknowledged
        }
      }
      return emails;
    },
    append(email) {
      mkdirSync(dir, { recursive: true });
      appendFileSync(file, `${JSON.stringify(email)}\n`);
    },
    clear() {
      rmSync(file, { force: true });
    },
  };
};
