import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateApiKey } from '../../src/sdk/auth/api-key-format.js';
import { type BrowserSession, describeWithBrowser, launchBrowser } from '../support/browser.js';
import {
  ARTIFACT,
  SCRIPT,
  type ScriptedChatApi,
  startScriptedChatApi,
} from '../support/scripted-chat-api.js';

/**
 * The chat page (src/runtime/ui) in headless Chromium, against the scripted chat API: key handling, a
 * streamed turn with tool calls and an artifact, history, and the error paths. Served with the page's real
 * Content-Security-Policy, so an inline script or a foreign request would show up as a console error.
 */
describeWithBrowser('chat page in a browser (scripted chat API)', () => {
  let api: ScriptedChatApi;
  let session: BrowserSession;
  const problems: string[] = [];
  const page = () => session.page;

  beforeAll(async () => {
    api = await startScriptedChatApi(generateApiKey().key);
    session = await launchBrowser();
    session.page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    session.page.on('console', (message) => {
      // Refused requests (401, 429) are logged as failed loads on purpose; anything else (a script error, a
      // Content-Security-Policy violation) is a problem.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(message.text());
      }
    });
  });
  afterAll(async () => {
    await session?.close();
    await api?.close();
  });

  it('takes the key from #key=…, stores it and removes it from the address bar', async () => {
    const keyId = api.key.slice(5, 21);
    await page().goto(`${api.origin}/#key=${encodeURIComponent(api.key)}`);
    await page().locator('[data-testid=identity]', { hasText: keyId }).waitFor();
    expect(page().url()).toBe(`${api.origin}/`);
    expect(await page().evaluate('localStorage.getItem("somaagent.apiKey")')).toBe(api.key);
    expect(await page().locator('#key-dialog').isVisible()).toBe(false);
    expect(await page().locator('#conversations-empty').isVisible()).toBe(true);
  });

  it('streams a turn: reply text, tool calls with status, output, error and an artifact link', async () => {
    await page().fill('#message-input', 'hello there');
    await page().click('#send');
    const reply = page().locator('[data-testid=message][data-role=assistant] [data-testid=reply]');
    await reply.filter({ hasText: 'You said: hello there' }).waitFor();
    const assistant = page().locator('[data-testid=message][data-role=assistant]');
    expect(await assistant.getAttribute('aria-busy')).toBe('false');
    expect(await assistant.getAttribute('data-message-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await assistant.getAttribute('data-turn-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page().getAttribute('body', 'data-state')).toBe('idle');
    expect(await page().textContent('[data-testid=user-text]')).toBe('hello there');

    const calls = page().locator('[data-testid=tool-call]');
    expect(await calls.count()).toBe(2);
    const write = calls.nth(0);
    expect(await write.getAttribute('data-status')).toBe('ok');
    expect(await write.locator('[data-testid=tool-name]').textContent()).toBe('files.write');
    expect(JSON.parse((await write.locator('[data-testid=tool-input]').textContent()) ?? '')).toEqual({
      path: 'notes.txt',
    });
    expect(JSON.parse((await write.locator('[data-testid=tool-output]').textContent()) ?? '')).toEqual({
      written: ARTIFACT.body.length,
    });
    const fetchCall = calls.nth(1);
    expect(await fetchCall.getAttribute('data-status')).toBe('error');
    expect(await fetchCall.locator('[data-testid=tool-error]').textContent()).toBe(
      'DENIED: web.fetch is not allowed for this tenant',
    );
    expect(await fetchCall.locator('[data-testid=artifact-link]').count()).toBe(0);

    // The new conversation is listed and current, titled after the first message.
    const listed = page().locator('[data-testid=conversation][aria-current=true]');
    expect(await listed.textContent()).toBe('hello there');
  });

  it('opens an artifact with the bearer key and previews it', async () => {
    const link = page().locator('[data-testid=artifact-link]');
    expect(await link.getAttribute('data-key')).toBe(ARTIFACT.key);
    await link.click();
    await page().locator('[data-testid=artifact-preview]', { hasText: ARTIFACT.body }).waitFor();
    expect(api.artifactAuth).toEqual([`Bearer ${api.key}`]);
    expect(await page().getAttribute('[data-testid=artifact-save]', 'download')).toBe('notes.txt');
  });

  it('shows the history after a reload, tool calls included', async () => {
    await page().reload();
    const reply = page().locator('[data-testid=reply]', { hasText: 'You said: hello there' });
    await reply.waitFor();
    expect(await page().locator('[data-testid=tool-call]').count()).toBe(2);
    expect(await page().locator('[data-testid=tool-call][data-status=error]').count()).toBe(1);
    expect(await page().locator('[data-testid=artifact-link]').count()).toBe(1);
  });

  it('shows a failed turn, a stream cut short, and a 429 with its Retry-After', async () => {
    await page().fill('#message-input', SCRIPT.failing);
    await page().press('#message-input', 'Enter');
    const failed = page().locator('[data-testid=turn-error][data-code=MODEL_UNAVAILABLE]');
    await failed.waitFor();
    expect(await failed.textContent()).toBe('The model did not answer; try again.');

    await page().fill('#message-input', SCRIPT.cut);
    await page().click('#send');
    await page().locator('[data-testid=turn-error][data-code=STREAM_CLOSED]').waitFor();

    await page().fill('#message-input', SCRIPT.rateLimited);
    await page().click('#send');
    await page().locator('[data-testid=error]', { hasText: 'try again in 7 s' }).waitFor();
    expect(await page().getAttribute('body', 'data-state')).toBe('idle');
    expect(await page().isEnabled('#send')).toBe(true);
  });

  it('a refused key opens the key dialog; a good key gets back in', async () => {
    await page().evaluate('localStorage.setItem("somaagent.apiKey", "soma_0000000000000000_wrong")');
    await page().reload();
    const dialog = page().locator('#key-dialog');
    await page().locator('[data-testid=key-error]', { hasText: 'refused' }).waitFor();
    expect(await dialog.isVisible()).toBe(true);
    expect(await page().evaluate('localStorage.getItem("somaagent.apiKey")')).toBeNull();
    await page().fill('#key-input', api.key);
    await page().click('#key-save');
    await page().locator('[data-testid=conversation]', { hasText: 'hello there' }).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
