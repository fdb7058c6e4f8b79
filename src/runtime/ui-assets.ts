import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of the chat page's static files (src/runtime/ui, copied to dist/runtime/ui by the build). */
export const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** One static file of the chat page, read into memory. */
export interface UiAsset {
  /** URL path relative to where the page is mounted: `/` for index.html, else `/<file>`. */
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * Headers to send with every chat page response: the page loads only its own scripts and styles, talks only
 * to its own origin, cannot be framed, and sends no referrer (the URL may briefly hold `#key=…`).
 */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob: data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** The chat page's files (index.html, app.js, api.js, dom.js, style.css), for the gateway to serve at its root. */
export function loadUiAssets(dir = UI_DIR): UiAsset[] {
  return readdirSync(dir)
    .filter((file) => CONTENT_TYPES[extname(file)] !== undefined)
    .sort()
    .map((file) => ({
      path: file === 'index.html' ? '/' : `/${file}`,
      contentType: CONTENT_TYPES[extname(file)] as string,
      body: readFileSync(join(dir, file)),
    }));
}
