import { CreateEmailTemplateCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import fc from 'fast-check';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalSes, renderTemplate } from './local-ses';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('local SES v2 through the unmodified SESv2 client', () => {
  let edge: RunningEdge;
  let ses: SESv2Client;
  const local = new LocalSes();

  beforeAll(async () => {
    edge = await startEdge({ services: [local] });
    ses = new SESv2Client({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    ses.destroy();
    await edge.close();
  });
  beforeEach(() => local.clear());

  it('captures a simple mail with its text and HTML bodies', async () => {
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'orders@example.com',
        Destination: { ToAddresses: ['ada@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Order confirmed' },
            Body: { Text: { Data: 'Thanks' }, Html: { Data: '<p>Thanks</p>' } },
          },
        },
      }),
    );

    expect(local.emails()).toEqual([
      expect.objectContaining({
        messageId: sent.MessageId,
        to: ['ada@example.com'],
        subject: 'Order confirmed',
        text: 'Thanks',
        html: '<p>Thanks</p>',
      }),
    ]);
  });

  it('renders a stored template with the template data', async () => {
    await ses.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'confirmed',
        TemplateContent: { Subject: 'Order {{orderId}}', Text: 'Total {{total}}' },
      }),
    );

    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'orders@example.com',
        Destination: { ToAddresses: ['ada@example.com'] },
        Content: { Template: { TemplateName: 'confirmed', TemplateData: '{"orderId":"o-1","total":"12.50"}' } },
      }),
    );

    expect(local.emails()[0]).toMatchObject({ subject: 'Order o-1', text: 'Total 12.50' });
  });

  it('refuses a mail without recipients with BadRequestException and captures nothing', async () => {
    expect.assertions(2);

    await ses
      .send(
        new SendEmailCommand({
          FromEmailAddress: 'orders@example.com',
          Destination: { ToAddresses: [] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
        }),
      )
      .catch((error: Error) => expect(error.name).toBe('BadRequestException'));

    expect(local.emails()).toHaveLength(0);
  });

  it('renders any text without placeholders unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('{{')),
        fc.dictionary(fc.string(), fc.string()),
        (text, data) => renderTemplate(text, data) === text,
      ),
    );
  });
});
