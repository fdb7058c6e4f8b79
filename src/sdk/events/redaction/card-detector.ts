import { luhnValid } from './checksums.js';
import type { Candidate, Detector } from './pii-types.js';
import { candidate, keywordDistance, scan, WORD } from './scan.js';

/**
 * Card layouts: 13–19 digits run together, or groups separated by one consistent space or dash
 * (4-4-4-4, 4-4-4-4-3, Amex/Diners 4-6-5 and 4-6-4, 4-4-4-3…). Never part of a longer digit run.
 */
const CARD = new RegExp(
  String.raw`(?<!${WORD}|[.,+#/$€£¥-]|\d[ -])(?:\d{13,19}|\d{4}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4}){0,2})(?!${WORD}|[ \-.,/]\d)`,
  'gu',
);

/** Issuer ranges (prefix from-to, inclusive, compared on the same number of digits) and allowed lengths. */
const NETWORKS: ReadonlyArray<readonly [from: string, to: string, lengths: readonly number[]]> = [
  ['4', '4', [13, 16, 19]], // Visa
  ['51', '55', [16]], // Mastercard
  ['2221', '2720', [16]], // Mastercard 2-series
  ['34', '34', [15]], // Amex
  ['37', '37', [15]],
  ['6011', '6011', [16, 17, 18, 19]], // Discover
  ['644', '649', [16, 17, 18, 19]],
  ['65', '65', [16, 17, 18, 19]],
  ['300', '305', [14, 15, 16, 17, 18, 19]], // Diners
  ['36', '36', [14, 15, 16, 17, 18, 19]],
  ['38', '39', [14, 15, 16, 17, 18, 19]],
  ['3528', '3589', [16, 17, 18, 19]], // JCB
  ['62', '62', [16, 17, 18, 19]], // UnionPay
  ['2200', '2204', [16, 17, 18, 19]], // Mir
  ['50', '50', [13, 16, 17, 18, 19]], // Maestro
  ['56', '59', [13, 16, 17, 18, 19]],
  ['63', '63', [13, 16, 17, 18, 19]],
  ['67', '67', [13, 16, 17, 18, 19]],
];

/** True when the number lies in a known issuer range with a length that network issues. */
export function knownIssuer(digits: string): boolean {
  return NETWORKS.some(
    ([from, to, lengths]) =>
      lengths.includes(digits.length) &&
      digits.slice(0, from.length) >= from &&
      digits.slice(0, to.length) <= to,
  );
}

/** Numbers that carry a Luhn digit but are not cards say so just before them. */
const NOT_A_CARD = /\b(?:imei|imeisv|iccid|sim|ean|gtin|upc|isbn|tracking|offset|order|invoice|serial)\b/g;

/** Payment card numbers: card layout, Luhn-valid, known issuer range, no "IMEI"/"EAN"… just before. */
export function cardDetector(priority: number): Detector {
  return {
    type: 'CARD',
    priority,
    detect(text: string, out: Candidate[]): void {
      scan(text, CARD, (m) => {
        const digits = m[0].replace(/[ -]/g, '');
        if (digits.length < 13 || digits.length > 19) return false;
        if (!luhnValid(digits) || !knownIssuer(digits)) return false;
        if (keywordDistance(text, m.index, 24, NOT_A_CARD) >= 0) return false;
        out.push(candidate('CARD', priority, m.index, m.index + m[0].length));
        return true;
      });
    },
  };
}
