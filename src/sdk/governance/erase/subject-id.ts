import { InvalidInputError } from '../../errors.js';
import { checkId } from '../../stores/ids.js';

/** Characters that mean "pattern" to a shell, glob, SQL LIKE or Redis MATCH (`_` is allowed: ids use it). */
const PATTERN = /[*?[\]%\\{}]/;

/**
 * Checks a tenant or user id given to erasure: what every port accepts (`checkId`), without leading or
 * trailing whitespace, and, unless `allowPatternCharacters`, without `* ? [ ] { } % \`: an operator typing
 * `alice*` expects a pattern, and erasure never takes one (ids are exact).
 */
export function checkErasureId(kind: 'tenant' | 'user', id: unknown, allowPatternCharacters = false): string {
  const checked = checkId(kind, id);
  if (checked !== checked.trim()) {
    throw new InvalidInputError(`${kind} id ${JSON.stringify(checked)} has leading or trailing whitespace`, {
      hint: `Pass the exact ${kind} id, without surrounding spaces.`,
    });
  }
  if (!allowPatternCharacters && PATTERN.test(checked)) {
    throw new InvalidInputError(
      `${kind} id ${JSON.stringify(checked)} contains a pattern character (* ? [ ] { } % \\)`,
      {
        hint: `Erasure takes one exact id, never a pattern. If the ${kind} id really contains these characters, pass --allow-pattern-characters.`,
      },
    );
  }
  return checked;
}
