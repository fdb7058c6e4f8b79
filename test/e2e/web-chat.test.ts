import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserSession, describeWithBrowser, launchBrowser } from '../support/browser.js';
import { type ServeProcess, startServe } from '../support/serve.js';

// The web chat page end to end: the real `somaagent serve` (embedded), the real page, headless Chromium.
describeWithBrowser('web chat page in Chromium', () => {
  let server: ServeProcess;
  let session: BrowserSession;

  beforeAll(async () => {
    server = await startServe();
    session = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
  });

  it('signs in from the printed link, streams a turn with a tool call, and opens an artifact', async () => {
    const { page } = session;
    await page.goto(`${server.url}#key=${server.key}`);
    await page.waitForSelector('#message-input');
    // The key leaves the address bar once stored.
    expect(page.url()).not.toContain('#key=');

    await page.fill('#message-input', '/run 6 * 7');
    await page.click('#send');
    const call = page.locator('[data-testid=tool-call]').first();
    await call.waitFor();
    await page.waitForSelector('[data-testid=tool-call][data-status=ok]', { timeout: 30_000 });
    expect(await call.locator('[data-testid=tool-name]').textContent()).toContain('run_javascript');
    await page.waitForSelector('body[data-state=idle]', { timeout: 30_000 });
    const reply = page.locator('[data-testid=message][data-role=assistant] [data-testid=reply]').last();
    expect(await reply.textContent()).toContain('42');

    await page.fill('#message-input', '/run "z".repeat(30000)');
    await page.click('#send');
    const link = page.locator('[data-testid=artifact-link]').last();
    await link.waitFor({ timeout: 30_000 });
    expect(await link.getAttribute('data-key')).toMatch(/^tenants\/default\/subjects\/local\/artifacts\//);
    await link.click();
    const preview = page.locator('[data-testid=artifact-preview]').last();
    await preview.waitFor({ timeout: 30_000 });
    expect(await preview.textContent()).toContain('zzzzzzzz');

    // Reloading shows the same conversation from the server's history.
    await page.reload();
    await page.waitForSelector('[data-testid=message][data-role=assistant]');
    expect(await page.locator('[data-testid=message]').count()).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
