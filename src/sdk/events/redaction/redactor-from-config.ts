import type { SomaConfig } from '../../config/schema.js';
import { ConfigError, InvalidInputError, isSomaError } from '../../errors.js';
import type { ExtraPattern, Redactor, RedactorOptions } from './pii-types.js';
import { createRedactor } from './redactor.js';

const upper = (types: readonly string[] | undefined): string[] =>
  (types ?? []).map((type) => type.trim().toUpperCase());

/**
 * The redactor the configuration asks for: every built-in type on by default, minus `redaction.disable`,
 * plus `redaction.enable`, plus `redaction.patterns` (each finding replaced by `[TYPE]`). `overrides` (a
 * command's flags) go on top: their patterns are added, and a type they enable or disable wins over the
 * configuration's choice for that type.
 *
 * A configuration the redactor cannot use (possible only when it was not built by `resolveConfig`, which
 * validates these keys) is a {@link ConfigError} naming the key; bad overrides, or a type both enabled and
 * disabled in them, an {@link InvalidInputError}.
 */
export function redactorFromConfig(
  config: Pick<SomaConfig, 'redaction'>,
  overrides: RedactorOptions = {},
): Redactor {
  const { redaction } = config;
  const configured: RedactorOptions = {
    disable: redaction.disable,
    enable: redaction.enable,
    extraPatterns: redaction.patterns.map(({ type, pattern }): ExtraPattern => ({ type, pattern })),
  };
  checked('redaction.disable', { disable: configured.disable });
  checked('redaction.enable', { enable: configured.enable });
  checked('redaction.patterns', { extraPatterns: configured.extraPatterns });
  const enable = upper(overrides.enable);
  const disable = upper(overrides.disable);
  const both = enable.filter((type) => disable.includes(type));
  if (both.length > 0) {
    throw new InvalidInputError(`${both.join(', ')} is both enabled and disabled`, {
      hint: 'Name a type either to enable or to disable, not both.',
    });
  }
  return createRedactor({
    disable: [...(configured.disable ?? []).filter((type) => !enable.includes(type)), ...disable],
    enable: [...(configured.enable ?? []).filter((type) => !disable.includes(type)), ...enable],
    extraPatterns: [...(configured.extraPatterns ?? []), ...(overrides.extraPatterns ?? [])],
  });
}

/** Builds a redactor from one configuration key's part, turning its rejection into a ConfigError naming the key. */
function checked(key: string, options: RedactorOptions): void {
  try {
    createRedactor(options);
  } catch (error) {
    if (!isSomaError(error)) throw error;
    throw new ConfigError(error.message.includes(key) ? error.message : `${key}: ${error.message}`, {
      hint: 'Fix the value; the Configuration table of the README shows the expected forms.',
      cause: error,
    });
  }
}
