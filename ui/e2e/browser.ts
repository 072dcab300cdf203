/**
 * Launches Debian's chromium through playwright-core (never a browser download) and collects what the page
 * reports, so a spec can assert there were no console errors.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';

export class E2eBrowserMissingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'E2eBrowserMissingError';
  }
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The chromium binary: CHROMIUM_PATH, else `command -v chromium`. */
export const chromiumPath = (): string => {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch (cause) {
    throw new E2eBrowserMissingError('chromium is not installed: apt-get update && apt-get install -y chromium', { cause });
  }
};

export const launch = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });

export interface PageProblems {
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error messages, minus the browser's own "Failed to load resource" lines for HTTP error statuses. */
  consoleErrors: string[];
  /** Every HTTP error status the page received (endpoints that do not exist yet show up here). */
  failedResources: string[];
}

export const watchProblems = (page: Page): PageProblems => {
  const problems: PageProblems = { pageErrors: [], consoleErrors: [], failedResources: [] };
  page.on('pageerror', (error) => problems.pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (text.startsWith('Failed to load resource')) return;
    problems.consoleErrors.push(text);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.failedResources.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return problems;
};
