/**
 * A real headless Chromium for browser tests: Debian's `chromium` (scripts/install-chromium.sh) driven by
 * playwright-core. Each launch gets a fresh temporary profile, removed on close, and flags that keep the
 * browser off the network (there is no outside network here, and tests must not depend on one).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { runningInCi } from './services.js';

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags of every launch (the profile directory is added per launch). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A launched browser with one page. `close()` closes it and deletes its profile directory. */
export interface BrowserSession {
  /** The browser context (a persistent one: its profile is the fresh `--user-data-dir`). */
  readonly browser: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** True when Chromium is installed where the tests look for it. */
export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Launches headless Chromium with a fresh temporary `--user-data-dir` and opens one page. */
export async function launchBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'soma-chromium-'));
  try {
    // launchPersistentContext is playwright's way to pass --user-data-dir (launch() refuses it in args).
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    return {
      browser,
      page,
      close: async () => {
        try {
          await browser.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Declares a suite that needs Chromium. Without it the suite is skipped with one printed line naming the
 * install script; under CI a missing Chromium fails the run instead.
 */
export function describeWithBrowser(title: string, body: () => void): void {
  if (chromiumInstalled()) {
    describe(title, body);
    return;
  }
  const line = `skipped: ${title}: ${CHROMIUM_PATH} is missing (run: sudo bash scripts/install-chromium.sh)`;
  if (runningInCi()) {
    describe(title, () => {
      it('needs Chromium in CI', () => {
        throw new Error(`${line}: CI=true requires every browser suite to run`);
      });
    });
    return;
  }
  console.log(line);
  describe.skip(title, body);
}
