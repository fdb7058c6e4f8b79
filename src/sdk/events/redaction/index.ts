/**
 * PII redaction: applied to every free-text field of an event before it is encoded, never after, and
 * available on its own through `somaagent redact`.
 */
export { IBAN_LENGTHS, ibanChecksumValid, luhnValid } from './checksums.js';
export {
  type ExtraPattern,
  type Finding,
  OPT_IN_TYPES,
  PII_TYPES,
  type PiiType,
  placeholderOf,
  type RedactionResult,
  type Redactor,
  type RedactorOptions,
} from './pii-types.js';
export { redactValue, type ValueRedaction } from './redact-value.js';
export { createRedactor } from './redactor.js';
export { redactorFromConfig } from './redactor-from-config.js';
