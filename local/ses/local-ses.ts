/**
 * SES v2 for the local cloud (signing name `ses`, REST-JSON under /v2/email): SendEmail with Simple content (text and
 * HTML) or a stored Template, and CreateEmailTemplate. Nothing is delivered: every mail is captured for the control
 * plane (GET /_local/emails) and tests.
 */
import { randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  jsonResponse,
  type EdgeRequest,
  type EdgeResponse,
  type ServiceEmulator,
} from '../edge/types';
import type { CapturedEmail } from './model';
import type { MailPersistence } from './persistence';

export type { CapturedEmail } from './model';

interface Template {
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  Content?: {
    Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } };
    Template?: { TemplateName?: string; TemplateData?: string };
    Raw?: unknown;
  };
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

const bad = (message: string): AwsServiceError => new AwsServiceError('BadRequestException', message);

/** Replaces `{{name}}` (and `{{a.b}}`) with values from the template data; a missing value renders empty, as SES does. */
export const renderTemplate = (text: string, data: Readonly<Record<string, unknown>>): string =>
  text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_match, path: string) => {
    const value = path
      .split('.')
      .reduce<unknown>(
        (at, part) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined),
        data,
      );
    return value === undefined || value === null ? '' : String(value);
  });

export class LocalSes implements ServiceEmulator {
  readonly signingNames = ['ses'] as const;
  private readonly captured: CapturedEmail[] = [];
  private readonly templates = new Map<string, Template>();

  /** `persistence` writes captured mail through to a file (DATA_DIR) and loads it back (./persistence.ts). */
  constructor(private readonly persistence?: MailPersistence) {
    this.captured.push(...(persistence?.load() ?? []));
  }

  /** Every captured mail, oldest first. */
  emails(): readonly CapturedEmail[] {
    return [...this.captured];
  }

  clear(): void {
    this.captured.length = 0;
    this.persistence?.clear();
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    let body: Record<string, unknown> = {};
    if (request.body.length > 0) {
      try {
        body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw bad('The request body is not JSON');
      }
    }
    if (request.method === 'POST' && request.path === '/v2/email/outbound-emails')
      return jsonResponse({ MessageId: this.sendEmail(body as SendEmailBody).messageId }, 'application/json');
    if (request.method === 'POST' && request.path === '/v2/email/templates') {
      this.createTemplate(body);
      return jsonResponse({}, 'application/json');
    }
    throw new AwsServiceError(
      'UnknownOperationException',
      `The local SES v2 does not support ${request.method} ${request.path}`,
    );
  }

  private createTemplate(body: Record<string, unknown>): void {
    const name = body.TemplateName;
    const content = body.TemplateContent as { Subject?: string; Text?: string; Html?: string } | undefined;
    if (typeof name !== 'string' || name.length === 0) throw bad('TemplateName is required');
    if (!content?.Subject) throw bad('TemplateContent.Subject is required');
    if (this.templates.has(name))
      throw new AwsServiceError('AlreadyExistsException', `Template ${name} already exists`);
    this.templates.set(name, { subject: content.Subject, text: content.Text, html: content.Html });
  }

  /** Captures one mail (also the in-process API); bad input is refused and captures nothing. */
  sendEmail(body: SendEmailBody): CapturedEmail {
    const from = body.FromEmailAddress;
    if (!from || !EMAIL.test(from)) throw bad('FromEmailAddress must be an email address');
    const to = body.Destination?.ToAddresses ?? [];
    const cc = body.Destination?.CcAddresses ?? [];
    const bcc = body.Destination?.BccAddresses ?? [];
    const recipients = [...to, ...cc, ...bcc];
    if (recipients.length === 0) throw bad('At least one recipient is required');
    const invalid = recipients.find((address) => !EMAIL.test(address));
    if (invalid) throw bad(`Invalid recipient address: ${invalid}`);
    const content = this.content(body.Content);
    const email: CapturedEmail = {
      messageId: randomUUID(),
      from,
      to,
      cc,
      bcc,
      ...content,
      sentAt: new Date().toISOString(),
    };
    this.persistence?.append(email);
    this.captured.push(email);
    return email;
  }

  private content(content: SendEmailBody['Content']): { subject: string; text?: string; html?: string } {
    if (content?.Simple) {
      const subject = content.Simple.Subject?.Data;
      if (subject === undefined) throw bad('Content.Simple.Subject.Data is required');
      const text = content.Simple.Body?.Text?.Data;
      const html = content.Simple.Body?.Html?.Data;
      if (text === undefined && html === undefined) throw bad('Content.Simple.Body needs Text or Html');
      return { subject, text, html };
    }
    if (content?.Template) {
      const name = content.Template.TemplateName ?? '';
      const template = this.templates.get(name);
      if (!template) throw new AwsServiceError('NotFoundException', `Template ${name} does not exist`, 404);
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(content.Template.TemplateData ?? '{}') as Record<string, unknown>;
      } catch {
        throw bad('TemplateData is not JSON');
      }
      return {
        subject: renderTemplate(template.subject, data),
        text: template.text === undefined ? undefined : renderTemplate(template.text, data),
        html: template.html === undefined ? undefined : renderTemplate(template.html, data),
      };
    }
    throw bad('Content needs Simple or Template (Raw is not supported locally)');
  }
}
