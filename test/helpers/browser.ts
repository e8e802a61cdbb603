/**
 * Browser tests' shared pieces: Debian's Chromium launched the same way everywhere, a built site
 * served on loopback by the preview server users run, and a collector of what went wrong on a page.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveSite as servePreview, type PreviewServer } from '../../src/site/preview.ts';

/** Headless Chromium from /usr/bin/chromium (test/setup/system-tools.ts installs it when missing). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Serves the built site in `dir` under `base` on a free loopback port; `url` includes the base.
 * @example const server = await serveSite(out, '/sub/'); await page.goto(`${server.url}p/mnist/`);
 */
export function serveSite(dir: string, base = '/'): Promise<PreviewServer> {
  return servePreview({ dir, base, port: 0 });
}

/**
 * Records console errors and uncaught page errors of `page` into `into` (returned), each prefixed
 * with `label`; with `requests`, also failed requests and HTTP responses of 400 or more.
 * @example const errors = collectErrors(page); ...; expect(errors).toEqual([]);
 */
export function collectErrors(page: Page, options: { into?: string[]; label?: string; requests?: boolean } = {}): string[] {
  const into = options.into ?? [];
  const prefix = options.label === undefined ? '' : `${options.label}: `;
  page.on('console', (message) => {
    if (message.type() === 'error') into.push(`${prefix}console: ${message.text()}`);
  });
  page.on('pageerror', (error) => into.push(`${prefix}page error: ${error.message}`));
  if (options.requests) {
    page.on('requestfailed', (request) => into.push(`${prefix}request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) into.push(`${prefix}HTTP ${response.status()}: ${response.url()}`);
    });
  }
  return into;
}
