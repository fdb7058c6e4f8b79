import type { Candidate, Detector } from './pii-types.js';
import { candidate } from './scan.js';

/**
 * Characters of a local part: ASCII letters and digits, Latin letters with accents (so `jürgen@…` is
 * found; other scripts are not, so an address glued to Japanese or Chinese text starts where the Latin
 * part starts), and `. _ % + ' -`.
 */
const LOCAL_CHAR = /[A-Za-z0-9\u00C0-\u024F._%+'-]/;
const LOCAL_START = /[A-Za-z0-9\u00C0-\u024F]/;
/** Dot-separated host labels ending in an alphabetic TLD, matched right after the `@`. */
const DOMAIN =
  /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}([A-Za-z]{2,24})(?![A-Za-z0-9-]|\.[A-Za-z0-9])/y;

/** "TLDs" that are really file extensions: `logo@2x.png` is an asset, not an address. */
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'ico',
  'bmp',
  'tif',
  'tiff',
  'css',
  'js',
  'mjs',
  'cjs',
  'ts',
  'map',
  'json',
  'txt',
  'log',
  'html',
  'htm',
  'xml',
  'pdf',
  'woff',
  'woff2',
  'ttf',
  'eot',
]);

/**
 * E-mail addresses (`user@example.com`), without a `mailto:` prefix. Anchored on each `@`: the local
 * part is read backwards (at most 64 characters), the domain forwards, so the cost is linear in the text.
 */
export function emailDetector(priority: number): Detector {
  return {
    type: 'EMAIL',
    priority,
    detect(text: string, out: Candidate[]): void {
      for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
        let start = at;
        while (start > 0 && at - start < 65 && LOCAL_CHAR.test(text[start - 1]!)) start--;
        if (at - start > 64) continue;
        while (start < at && !LOCAL_START.test(text[start]!)) start++;
        if (start === at) continue;
        DOMAIN.lastIndex = at + 1;
        const domain = DOMAIN.exec(text);
        if (domain === null || FILE_EXTENSIONS.has(domain[1]!.toLowerCase())) continue;
        out.push(candidate('EMAIL', priority, start, DOMAIN.lastIndex));
      }
    },
  };
}
