import { IBAN_LENGTHS, ibanChecksumValid } from './checksums.js';
import type { Candidate, Detector } from './pii-types.js';
import { candidate, isWordChar, scan, WORD } from './scan.js';

/** Country code, check digits, then up to 30 letters/digits with single optional spaces between them. */
const IBAN = new RegExp(String.raw`(?<!${WORD})[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}`, 'gu');

/**
 * IBANs, compact (`GB82WEST12345698765432`) or printed in groups of four (`GB82 WEST 1234 …`): the
 * country's registered length, then the ISO 7064 mod 97 check. The match may run on into the next word
 * (`… 0130 00 BIC COBADEFF`), so the value is cut at exactly the country's length, at a group boundary.
 */
export function ibanDetector(priority: number): Detector {
  return {
    type: 'IBAN',
    priority,
    detect(text: string, out: Candidate[]): void {
      scan(text, IBAN, (m) => {
        const raw = m[0];
        const length = IBAN_LENGTHS[raw.slice(0, 2).toUpperCase()];
        if (length === undefined) return false;
        let count = 0;
        let end = 0;
        while (end < raw.length && count < length) {
          if (raw[end] !== ' ') count++;
          end++;
        }
        if (count < length) return false;
        const after = text[m.index + end];
        if (isWordChar(after)) return false;
        const value = raw.slice(0, end);
        if (
          value.includes(' ') &&
          !/^[A-Za-z0-9]{4}(?: [A-Za-z0-9]{4})*(?: [A-Za-z0-9]{1,3})?$/.test(value)
        ) {
          return false;
        }
        const compact = value.replaceAll(' ', '');
        if (!/^[A-Z0-9]+$|^[a-z0-9]+$/.test(compact) || !ibanChecksumValid(compact)) return false;
        out.push(candidate('IBAN', priority, m.index, m.index + end));
        IBAN.lastIndex = m.index + end;
        return true;
      });
    },
  };
}
