import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserSession, describeWithBrowser, launchBrowser } from '../support/browser.js';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>harness</title></head><body>
<button id="ping" type="button">Ping</button><output id="result"></output>
<script type="module">
  document.getElementById('ping').addEventListener('click', async () => {
    const response = await fetch('/ping', { method: 'POST', body: 'hello' });
    document.getElementById('result').textContent = await response.text();
  });
</script></body></html>`;

/** The browser harness itself (test/support/browser.ts), on a page served from this test. */
describeWithBrowser('browser harness: headless Chromium through playwright-core', () => {
  let server: Server;
  let origin = '';
  let session: BrowserSession | undefined;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.method === 'POST' && request.url === '/ping') {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          received.push(body);
          response.writeHead(200, { 'Content-Type': 'text/plain' }).end(`pong: ${body}`);
        });
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    session = await launchBrowser();
  });
  afterAll(async () => {
    await session?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('loads a local page, clicks a button and sees the page talk to the server', async () => {
    const page = session?.page;
    if (!page) throw new Error('no browser');
    await page.goto(`${origin}/`);
    expect(await page.title()).toBe('harness');
    await page.click('#ping');
    await page.locator('#result', { hasText: 'pong' }).waitFor();
    expect(await page.textContent('#result')).toBe('pong: hello');
    expect(received).toEqual(['hello']);
    expect(await page.evaluate('navigator.userAgent')).toContain('HeadlessChrome');
  });

  it('gives each launch a fresh profile directory and removes it on close', async () => {
    const other = await launchBrowser();
    const browserProcessProfile = await profileOf(other);
    expect(browserProcessProfile).toContain('soma-chromium-');
    expect(existsSync(browserProcessProfile)).toBe(true);
    await other.close();
    expect(existsSync(browserProcessProfile)).toBe(false);
  });
});

/** The --user-data-dir of a session's browser, from chrome://version. */
async function profileOf(session: BrowserSession): Promise<string> {
  await session.page.goto('chrome://version');
  const text = (await session.page.textContent('#profile_path')) ?? '';
  // chrome://version shows <user-data-dir>/Default.
  return text.replace(/\/Default$/, '');
}
