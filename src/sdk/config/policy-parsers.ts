import { checkTypeName, compilePattern } from '../events/redaction/extra-patterns.js';
import { OPT_IN_TYPES, PII_TYPES } from '../events/redaction/pii-types.js';
import { COMPATIBILITY_MODES, isCompatibilityMode } from '../governance/schemas/compatibility-mode-names.js';
import { INVALID, InvalidValue, list, namedEntries, type Parsed, type Value } from './value-parsers.js';

/** One `redaction.patterns` entry: the finding type (placeholder `[TYPE]`) and the regex source as given. */
export interface RedactionPatternSetting {
  readonly type: string;
  readonly pattern: string;
}

/**
 * Built-in redaction types (`EMAIL, phone`…), upper-cased, each once. With `conflictKey`, a type the
 * already-resolved list of that key also names is invalid (a type cannot be both enabled and disabled).
 */
export const piiTypeList =
  (conflictKey?: string) =>
  (raw: unknown, resolved?: Readonly<Record<string, Value>>): Parsed => {
    const items = list(raw);
    if (items === INVALID) return INVALID;
    const types = [...new Set(items.map((item) => item.toUpperCase()))];
    const unknown = types.filter((type) => !(PII_TYPES as readonly string[]).includes(type));
    if (unknown.length > 0) return new InvalidValue(`unknown type ${unknown.join(', ')}`);
    const other = conflictKey ? ((resolved?.[conflictKey] as readonly string[] | undefined) ?? []) : [];
    const both = types.filter((type) => other.includes(type));
    if (both.length > 0) return new InvalidValue(`${both.join(', ')} is also in ${conflictKey}`);
    return types;
  };

/** Built-in types that are on by default (what `redaction.disable` may turn off). */
export const DEFAULT_ON_TYPES = PII_TYPES.filter((type) => !OPT_IN_TYPES.includes(type));

/**
 * `redaction.patterns`: `NAME=REGEX` entries (one per line in text, or a JSON array; a mapping NAME:
 * REGEX or a list in a file). The name is normalised as a finding type (`employee_id` → `EMPLOYEE_ID`)
 * and the regex must compile; the first bad entry is named in the error.
 */
export const redactionPatterns = (raw: unknown): Parsed => {
  const entries = namedEntries(raw, /\r?\n/);
  if (entries === undefined) return INVALID;
  if (entries instanceof InvalidValue) return entries;
  const settings: RedactionPatternSetting[] = [];
  for (const [name, pattern] of entries) {
    try {
      const type = checkTypeName(name);
      compilePattern(type, pattern);
      settings.push({ type, pattern });
    } catch (error) {
      return new InvalidValue((error as Error).message);
    }
  }
  return settings;
};

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * `schemas.compatibility`: `TOPIC=MODE` entries (comma-separated in text; a mapping or a list in a file).
 * A topic is an event topic (`conversation.events`) or a schema name (`conversation_event`); modes are
 * upper-cased.
 */
export const compatibilityOverrides = (raw: unknown): Parsed => {
  const entries = namedEntries(raw, /,/);
  if (entries === undefined) return INVALID;
  if (entries instanceof InvalidValue) return entries;
  const modes: Record<string, string> = {};
  for (const [topic, text] of entries) {
    const mode = text.trim().toUpperCase();
    if (!TOPIC.test(topic)) return new InvalidValue(`${JSON.stringify(topic)} is not a topic or schema name`);
    if (!isCompatibilityMode(mode)) {
      return new InvalidValue(
        `${topic}: unknown mode ${JSON.stringify(text)} (modes: ${COMPATIBILITY_MODES.join(', ')})`,
      );
    }
    modes[topic] = mode;
  }
  return modes;
};
