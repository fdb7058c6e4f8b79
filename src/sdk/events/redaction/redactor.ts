import { InvalidInputError } from '../../errors.js';
import { cardDetector } from './card-detector.js';
import { emailDetector } from './email-detector.js';
import { extraPatternDetector } from './extra-patterns.js';
import { ibanDetector } from './iban-detector.js';
import { ipDetector } from './ip-detector.js';
import { macDetector } from './mac-detector.js';
import { phoneDetector } from './phone-detector.js';
import {
  type Candidate,
  type Detector,
  type Finding,
  OPT_IN_TYPES,
  PII_TYPES,
  type PiiType,
  type RedactionResult,
  type Redactor,
  type RedactorOptions,
} from './pii-types.js';
import { resolveOverlaps } from './resolve-overlaps.js';
import { secretDetector } from './secret-detector.js';
import { ssnDetector } from './ssn-detector.js';

const BUILT_IN: Record<PiiType, (priority: number) => Detector> = {
  SECRET: secretDetector,
  CARD: cardDetector,
  IBAN: ibanDetector,
  SSN: ssnDetector,
  EMAIL: emailDetector,
  IP: ipDetector,
  PHONE: phoneDetector,
  MAC: macDetector,
};

/** Extra patterns rank right after secrets: a user's explicit rule beats the heuristic types. */
const EXTRA_PRIORITY = 0.5;

function checkBuiltIn(option: string, names: readonly string[]): PiiType[] {
  return names.map((name) => {
    const type = name.trim().toUpperCase();
    if (!(PII_TYPES as readonly string[]).includes(type)) {
      throw new InvalidInputError(`redaction.${option}: unknown type "${name}"`, {
        hint: `Built-in types: ${PII_TYPES.join(', ')}.`,
      });
    }
    return type as PiiType;
  });
}

/**
 * Creates a redactor. By default it detects e-mail addresses, phone numbers, payment cards, IBANs, IP
 * addresses, US SSNs and secrets; `disable` removes built-in types, `enable` adds opt-in ones (MAC), and
 * `extraPatterns` adds regex rules. Throws {@link InvalidInputError} for an unknown type or a pattern
 * that does not compile, naming it.
 *
 * Findings are reported with UTF-16 offsets into the original text (see pii-types.ts). Overlaps are
 * resolved deterministically: secrets, then extra patterns, then CARD, IBAN, SSN, EMAIL, IP, PHONE, MAC;
 * between equals the longer span, then the earlier one.
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const disabled = new Set(checkBuiltIn('disable', options.disable ?? []));
  const enabled = new Set(checkBuiltIn('enable', options.enable ?? []));
  const detectors: Detector[] = [];
  PII_TYPES.forEach((type, priority) => {
    const optIn = OPT_IN_TYPES.includes(type);
    if (disabled.has(type) || (optIn && !enabled.has(type))) return;
    detectors.push(BUILT_IN[type](priority));
  });
  for (const extra of options.extraPatterns ?? [])
    detectors.push(extraPatternDetector(extra, EXTRA_PRIORITY));
  const types = [...new Set(detectors.map((d) => d.type))];

  const findings = (text: string): Finding[] => {
    const candidates: Candidate[] = [];
    for (const detector of detectors) detector.detect(text, candidates);
    return resolveOverlaps(candidates);
  };

  return {
    types,
    findings,
    redact(text: string): RedactionResult {
      const found = findings(text);
      if (found.length === 0) return { text, findings: found };
      let out = '';
      let at = 0;
      for (const f of found) {
        out += text.slice(at, f.start) + f.placeholder;
        at = f.end;
      }
      return { text: out + text.slice(at), findings: found };
    },
  };
}
