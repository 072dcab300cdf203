import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdge } from '../edge/server';
import { LocalSes } from './local-ses';
import { fileMailPersistence } from './persistence';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const send = async (dir: string, subject: string): Promise<void> => {
  const edge = await startEdge({ services: [new LocalSes(fileMailPersistence(dir))] });
  const ses = new SESv2Client({ endpoint: edge.url, region: 'us-east-1', credentials });
  try {
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'orders@example.com',
        Destination: { ToAddresses: ['alice@example.com'] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'hi' } } } },
      }),
    );
  } finally {
    ses.destroy();
    await edge.close();
  }
};

describe('the local SES with a data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recovery-ses-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the mail captured before a restart, oldest first', async () => {
    // prepare
    await send(dir, 'first');
    await send(dir, 'second');
    // act
    const restarted = new LocalSes(fileMailPersistence(dir));
    // assess
    expect(restarted.emails().map((email) => email.subject)).toEqual(['first', 'second']);
  });

  it('skips a line torn by a crash mid-append and keeps the mail before it', async () => {
    // prepare
    await send(dir, 'whole');
    appendFileSync(join(dir, 'emails.jsonl'), '{"messageId":"torn","sub');
    // act
    const restarted = new LocalSes(fileMailPersistence(dir));
    // assess
    expect(restarted.emails().map((email) => email.subject)).toEqual(['whole']);
  });

  it('forgets the mail after a clear (the control plane reset)', async () => {
    // prepare
    await send(dir, 'cleared');
    new LocalSes(fileMailPersistence(dir)).clear();
    // act
    const restarted = new LocalSes(fileMailPersistence(dir));
    // assess
    expect(restarted.emails()).toEqual([]);
  });
});
