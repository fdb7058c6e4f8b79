import type { Candidate, Detector } from './pii-types.js';
import { candidate, keywordDistance, scan, WORD } from './scan.js';

/**
 * A run of digits with the separators phone numbers are written with (space, no-break space, dot, dash,
 * slash, parentheses), optionally led by `+` or `(`. Never starts inside a word, a decimal, a price or an
 * id (`ORD-2024-…`, `#123…`, `v10.…`), never ends before a letter or `.5`/`-5`/`/5`.
 */
const RUN = new RegExp(
  String.raw`(?<!${WORD}|[+\-./#@$€£¥]|\d[ .\-/])(?:\+|\(\+?)?\d[\d \u00a0().\-/]{4,40}\d(?!${WORD}|@|[.\-/]\d)`,
  'gu',
);

/** Words that say a phone number follows (any language the corpus speaks). */
const PHONE_WORDS =
  /(?<![a-z])(?:tel|tél|phone|telephone|mobile|cell|fax|call|ring|text me|sms|whatsapp|signal|dial|hotline|reach|contact|telefon[a-z]*|handy|mobil[a-z]*|ruf[a-z]*|anruf[a-z]*|portable|appel[a-z]*|joindre|móvil|celular|llam[a-z]*|cellulare|chiam[a-z]*|ligar|bell[a-z]*|komórka|teléfono|téléphone)(?![a-z])|телефон|тел\.|電話|电话|致电|手机|☎|📞/gu;

/** Words that say the number is something else: an order, an invoice, a tracking number, an id… */
const NOT_PHONE_WORDS =
  /(?<![a-z])(?:order|invoice|inv|ticket|case|ref|reference|tracking|parcel|shipment|account|acct|iban|isbn|ean|imei|serial|sku|part|id|session|offset|pid|port|build|version|zip|postcode|amount|total|rows|bytes|customer (?:no|number|id)|bestell[a-z]*|rechnung|kunden[a-z]*|konto[a-z]*|commande|facture|pedido|factura|ordine)(?![a-z])|#/gu;

const DATE = /^(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}[./-]\d{2}[./-]\d{2}\b.*)$/;
const NANP = [
  /^(?:1[ .-]?)?\([2-9]\d\d\)[ .-]?[2-9]\d\d[ .-]\d{4}$/,
  /^(?:1([ .-]))?[2-9]\d\d([ .-])[2-9]\d\d\2\d{4}$/,
  /^[2-9]\d\d\/[2-9]\d\d-\d{4}$/,
];
const TRUNK_START = /^(?:\(0\d{1,4}\) ?|0\d{1,4}[ .\-/])/;

type Kind = 'international' | 'dialled' | 'nanp' | 'trunk' | 'compact';

/** The shape of a digit run, or undefined when it cannot be a phone number whatever the context. */
export function phoneShape(run: string): Kind | undefined {
  let count = 0;
  for (let i = 0; i < run.length; i++) if (run.charCodeAt(i) >= 48 && run.charCodeAt(i) <= 57) count++;
  if (count < 8 || count > 19) return undefined; // no shape below allows fewer or more
  const s = run.replace(/\u00a0/g, ' ');
  if (/[.\-/]{2}| {2}|[.\-/] [.\-/]|\(\)/.test(s)) return undefined;
  const open = s.split('(').length - 1;
  if (open !== s.split(')').length - 1 || open > 1) return undefined;
  if ((s.match(/\//g)?.length ?? 0) > 1 || DATE.test(s)) return undefined;
  const digits = s.replace(/\(0\)/, '').replace(/\D/g, '');
  if (s.startsWith('+') || s.startsWith('(+')) {
    return digits.length >= 8 && digits.length <= 15 && digits[0] !== '0' ? 'international' : undefined;
  }
  if (/^(?:00 ?[1-9]|011[ .-][1-9])/.test(s)) {
    const national = digits.length - (s.startsWith('011') ? 3 : 2);
    return national >= 8 && national <= 13 && /[ .-]/.test(s.slice(2)) ? 'dialled' : undefined;
  }
  if (NANP.some((re) => re.test(s))) return 'nanp';
  if (digits.length < 7 || digits.length > 15) return undefined;
  if (/^\d+$/.test(s)) return digits.length >= 10 && digits.length <= 11 ? 'compact' : undefined;
  const groups = s.match(/\d+/g) ?? [];
  if (
    digits[0] === '0' &&
    digits[1] !== '0' &&
    digits.length >= 9 &&
    digits.length <= 11 &&
    TRUNK_START.test(s) &&
    groups.length <= 5 &&
    groups.every((g) => g.length >= 2)
  ) {
    return 'trunk';
  }
  return undefined;
}

function isPhone(text: string, at: number, run: string): boolean {
  const shape = phoneShape(run);
  if (shape === undefined) return false;
  if (shape === 'international') return true;
  const phoneWord = keywordDistance(text, at, 32, PHONE_WORDS);
  const otherWord = keywordDistance(text, at, 32, NOT_PHONE_WORDS);
  const saysPhone = phoneWord >= 0 && (otherWord < 0 || phoneWord < otherWord);
  if (otherWord >= 0 && !saysPhone) return false;
  return shape !== 'compact' || (saysPhone && phoneWord <= 12);
}

/**
 * Phone numbers: international (`+44 20 7946 0958`, `0044 …`, `011 …`), North American
 * (`(415) 555-0132`, `415-555-0132`), and national numbers with a trunk prefix (`020 7946 0958`,
 * `06 39 98 12 34`, `030/901820`). 8–15 digits (E.164). Numbers without `+` are dropped when the nearest
 * keyword before them names something else (order, invoice, tracking…); bare digit strings
 * (`4155550132`) count only right after a phone keyword.
 */
export function phoneDetector(priority: number): Detector {
  return {
    type: 'PHONE',
    priority,
    detect(text: string, out: Candidate[]): void {
      scan(text, RUN, (m) => {
        if (!isPhone(text, m.index, m[0])) {
          // A rejected run is retried only where another number may start inside it: at a `(` or `+`.
          const next = m[0].slice(1).search(/[(+]/);
          RUN.lastIndex = next === -1 ? m.index + m[0].length : m.index + 1 + next;
          return true;
        }
        out.push(candidate('PHONE', priority, m.index, m.index + m[0].length));
        return true;
      });
    },
  };
}
