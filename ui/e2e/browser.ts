/**
 * Launches Debian's chromium through playwright-core (never a browser download) and collects what the page
 * reports, so a spec fails on any console error, page error, HTTP error status or failed request it did not expect.
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
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The chromium binary: CHROMIUM_PATH, else `command -v chromium`. */
export const chromiumPath = (): string => {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch (cause) {
    throw new E2eBrowserMissingError('chromium is not installed: apt-get update && apt-get install -y chromium', {
      cause,
    });
  }
};

export const launch = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });

export interface PageProblems {
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Every console.error, the browser's own "Failed to load resource" lines included, with the URL they name. */
  consoleErrors: string[];
  /** Every HTTP error status (4xx, 5xx) the page received, as `status METHOD url`. */
  failedResources: string[];
  /** Every request that got no answer at all (refused, reset, aborted), as `METHOD url: reason`. */
  failedRequests: string[];
}

/** A URL without the token an EventSource carries in its query, so reports and artifacts hold no credentials. */
const redacted = (url: string): string => url.replace(/([?&]access_token=)[^&]+/, '$1<redacted>');

export const watchProblems = (page: Page): PageProblems => {
  const problems: PageProblems = { pageErrors: [], consoleErrors: [], failedResources: [], failedRequests: [] };
  page.on('pageerror', (error) => problems.pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    problems.consoleErrors.push(url ? `${message.text()} (${redacted(url)})` : message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.failedResources.push(`${response.status()} ${response.request().method()} ${redacted(response.url())}`);
  });
  page.on('requestfailed', (request) =>
    problems.failedRequests.push(
      `${request.method()} ${redacted(request.url())}: ${request.failure()?.errorText ?? 'failed'}`,
    ),
  );
  return problems;
};

/** A problem a spec expects, with the reason it is expected; it matches the problem's text. */
export interface ExpectedProblem {
  readonly pattern: RegExp;
  readonly reason: string;
}

/** Takes every problem collected so far out of `problems`; answers those no expected problem matches. */
export const unexpectedProblems = (problems: PageProblems, expected: readonly ExpectedProblem[]): string[] =>
  [
    ...problems.pageErrors.splice(0).map((text) => `page error: ${text}`),
    ...problems.consoleErrors.splice(0).map((text) => `console error: ${text}`),
    ...problems.failedResources.splice(0).map((text) => `HTTP error: ${text}`),
    ...problems.failedRequests.splice(0).map((text) => `request failed: ${text}`),
  ].filter((text) => !expected.some((allowed) => allowed.pattern.test(text)));
