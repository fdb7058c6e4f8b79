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

/** A plan hash as {@link planErasure} prints it. */
const PLAN_HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * Checks who runs an erasure or places a hold (the audit actor): what every port accepts (`checkId`) and no
 * leading or trailing whitespace. `label` names it in the message (e.g. `--by` on the command line).
 */
export function checkActor(actor: unknown, label = 'actor', hint = 'Pass a non-empty operator id.'): string {
  let checked: string;
  try {
    checked = checkId('actor', actor);
  } catch (error) {
    throw new InvalidInputError(`${label}: ${(error as Error).message}`, { hint });
  }
  if (checked !== checked.trim()) {
    throw new InvalidInputError(`${label}: ${JSON.stringify(checked)} has leading or trailing whitespace`, {
      hint,
    });
  }
  return checked;
}

/** Checks the form of an expected plan hash (`sha256:` and 64 hex digits), before any store is read. */
export function checkPlanHash(hash: unknown, label = 'expected plan hash'): string {
  if (typeof hash !== 'string' || !PLAN_HASH.test(hash)) {
    throw new InvalidInputError(
      `${label} ${JSON.stringify(hash)}: expected sha256: and 64 hex digits, as the dry run prints it`,
      { hint: 'Copy the "Plan hash" of the reviewed --dry-run (or the planHash of its --json output).' },
    );
  }
  return hash;
}
