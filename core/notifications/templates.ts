/**
 * Email templates kept as files in ./templates: `<name>.subject.txt`, `<name>.txt` and `<name>.html`, with
 * `{{key}}` values and one `{{#lines}}...{{/lines}}` section repeated per order line. Values are HTML-escaped in
 * the HTML part; a template naming a value the model lacks throws, so a typo never sends "{{total}}" to a customer.
 * (Bundles for Lambda must ship the templates folder next to the handler; see the report of issue 5.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';

export type TemplateName = 'order-confirmed' | 'order-failed';

export interface TemplateModel {
  readonly [key: string]: string | number | readonly Readonly<Record<string, string | number>>[];
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The base of the notifications area. */
export abstract class NotificationError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

export class TemplateValueMissingError extends NotificationError {
  constructor(
    readonly template: string,
    readonly key: string,
  ) {
    super(`template ${template} uses {{${key}}}, which the model does not provide`, { code: 'TEMPLATE_VALUE_MISSING' });
    this.name = 'TemplateValueMissingError';
  }
}

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const fill = (
  template: string,
  source: string,
  values: Readonly<Record<string, unknown>>,
  escapeValue: (value: string) => string,
): string =>
  template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (typeof value !== 'string' && typeof value !== 'number') throw new TemplateValueMissingError(source, key);
    return escapeValue(String(value));
  });

/** Renders one template text against the model (exported for tests of the syntax). */
export const renderTemplate = (
  template: string,
  source: string,
  model: TemplateModel,
  escapeValue: (value: string) => string = (value) => value,
): string => {
  const withSections = template.replace(
    /\{\{#([A-Za-z]+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g,
    (_match, key: string, body: string) => {
      const rows = model[key];
      if (!Array.isArray(rows)) throw new TemplateValueMissingError(source, `#${key}`);
      return rows
        .map((row: Readonly<Record<string, string | number>>) => fill(body, source, { ...model, ...row }, escapeValue))
        .join('');
    },
  );
  return fill(withSections, source, model, escapeValue);
};

const templatesDir = join(__dirname, 'templates');
const cache = new Map<string, string>();
const load = (file: string): string => {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(join(templatesDir, file), 'utf8');
  cache.set(file, text);
  return text;
};

export const renderEmail = (name: TemplateName, model: TemplateModel): RenderedEmail => ({
  subject: renderTemplate(load(`${name}.subject.txt`), `${name}.subject.txt`, model).trim(),
  text: renderTemplate(load(`${name}.txt`), `${name}.txt`, model),
  html: renderTemplate(load(`${name}.html`), `${name}.html`, model, escapeHtml),
});
