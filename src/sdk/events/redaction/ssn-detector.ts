import type { Candidate, Detector } from './pii-types.js';
import { candidate, keywordDistance, scan, WORD } from './scan.js';

/** AAA-GG-SSSS, or with spaces or nothing between the parts; never inside a longer number or a word. */
const SSN = new RegExp(
  String.raw`(?<!${WORD}|[\-./#]|\d )(\d{3})([- ]?)(\d{2})\2(\d{4})(?!${WORD}|[\-./]\d| \d)`,
  'gu',
);
const SSN_WORDS = /(?<![a-z])(?:ssn|ss#|social security|social|ssa|sozialversicherung)(?![a-z])/g;

/** True when area, group and serial are in ranges the SSA issues (no 000, 666, 9xx, 00, 0000). */
export function ssnValid(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/**
 * US Social Security numbers. The dashed form `AAA-GG-SSSS` is found anywhere; the spaced and bare
 * forms (`536 22 8411`, `536228410`) only right after "SSN" or "social security", because nine digits
 * alone are far more often something else.
 */
export function ssnDetector(priority: number): Detector {
  return {
    type: 'SSN',
    priority,
    detect(text: string, out: Candidate[]): void {
      scan(text, SSN, (m) => {
        if (!ssnValid(m[1]!, m[3]!, m[4]!)) return false;
        if (m[2] !== '-' && keywordDistance(text, m.index, 24, SSN_WORDS) < 0) return false;
        out.push(candidate('SSN', priority, m.index, m.index + m[0].length));
        return true;
      });
    },
  };
}
