/**
 * Types of the PII redactor. Offsets everywhere are **UTF-16 code unit offsets into the original text**
 * (JavaScript string indices, `end` exclusive): `text.slice(start, end)` is the matched value. Languages
 * that index strings by code point or byte must convert (they differ only around characters outside the
 * Basic Multilingual Plane, such as emoji, or for non-ASCII bytes).
 */

/** Built-in kinds of personal data and secrets the redactor recognises. */
export type PiiType = 'EMAIL' | 'PHONE' | 'CARD' | 'IBAN' | 'IP' | 'SSN' | 'SECRET' | 'MAC';

/** Every built-in type, in priority order (an overlap is won by the earlier type). */
export const PII_TYPES: readonly PiiType[] = ['SECRET', 'CARD', 'IBAN', 'SSN', 'EMAIL', 'IP', 'PHONE', 'MAC'];

/**
 * Built-in types that are off unless listed in {@link RedactorOptions.enable}. MAC addresses identify a
 * device (and so, often, a person), but they are rare in chat text and easy to confuse with hex dumps, so
 * they are opt-in.
 */
export const OPT_IN_TYPES: readonly PiiType[] = ['MAC'];

/** What one piece of found data is replaced with: its type in brackets, e.g. `[EMAIL]`. */
export const placeholderOf = (type: string): string => `[${type}]`;

/** One piece of personal data or secret found in a text. */
export interface Finding {
  /** A {@link PiiType} or the type of an extra pattern. */
  readonly type: string;
  /** UTF-16 offset of the first code unit of the value in the original text. */
  readonly start: number;
  /** UTF-16 offset just past the value in the original text (exclusive). */
  readonly end: number;
  /** The text that replaces the value in the redacted output. */
  readonly placeholder: string;
}

/** Result of {@link Redactor.redact}. */
export interface RedactionResult {
  /** The text with every finding replaced by its placeholder. */
  readonly text: string;
  /** The findings, sorted by `start`, never overlapping, with offsets into the ORIGINAL text. */
  readonly findings: readonly Finding[];
}

/** A pattern added by the user. */
export interface ExtraPattern {
  /** The type it reports: a built-in type (to widen it) or a new name such as `EMPLOYEE_ID`. */
  readonly type: string;
  /**
   * A RegExp, or its source as a string (`/source/flags` form accepted). The whole match is the value.
   * It is run once over each text: the caller is responsible for it not backtracking catastrophically.
   */
  readonly pattern: string | RegExp;
  /** Replacement; default `[TYPE]`. */
  readonly placeholder?: string;
}

/** Options of {@link createRedactor}; the defaults detect every built-in type except {@link OPT_IN_TYPES}. */
export interface RedactorOptions {
  /** Built-in types not to detect. */
  readonly disable?: readonly string[];
  /** Opt-in built-in types to detect too (e.g. `MAC`). */
  readonly enable?: readonly string[];
  /** More patterns. They rank after secrets and before the other built-in types in overlaps. */
  readonly extraPatterns?: readonly ExtraPattern[];
}

/** A configured redactor; stateless and safe to share. */
export interface Redactor {
  /** The text with personal data and secrets replaced by typed placeholders, and what was found. */
  redact(text: string): RedactionResult;
  /** What {@link redact} would replace, without building the redacted text. */
  findings(text: string): Finding[];
  /** The types this redactor detects. */
  readonly types: readonly string[];
}

/** A detector's raw hit, before overlaps between detectors are resolved. */
export interface Candidate {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** Lower wins an overlap; then the longer span; then the earlier one. */
  readonly priority: number;
  readonly placeholder: string;
}

/** One recogniser: finds candidates of one type in a text. */
export interface Detector {
  readonly type: string;
  readonly priority: number;
  detect(text: string, out: Candidate[]): void;
}
