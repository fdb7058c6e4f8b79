import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../errors.js';
import type { AvroNode } from '../../events/schemas/avro-node.js';
import {
  type CompatibilityViolation,
  findViolations,
  type ResolutionDirection,
} from './schema-compatibility.js';

/** Compatibility modes, as in Confluent Schema Registry. */
export const COMPATIBILITY_MODES = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;

/** A compatibility mode. `BACKWARD` (the default): the new schema reads data written with the old. */
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

/** The mode of a schema that `compatibility.json` does not name. */
export const DEFAULT_COMPATIBILITY_MODE: CompatibilityMode = 'BACKWARD';

/** Name of the per-schema modes file inside the schema directory. */
export const COMPATIBILITY_FILE = 'compatibility.json';

/** Whether `value` is a {@link CompatibilityMode}. */
export function isCompatibilityMode(value: unknown): value is CompatibilityMode {
  return typeof value === 'string' && (COMPATIBILITY_MODES as readonly string[]).includes(value);
}

/**
 * Reads `compatibility.json` of a schema directory: `{"<schema name>": "<MODE>", ...}`, the schema name
 * being the file name without `.avsc`. A missing file means every schema uses the default mode; a file that
 * is not such an object is an {@link InvalidInputError} naming the file and the key.
 */
export function loadCompatibilityModes(dir: string): Record<string, CompatibilityMode> {
  const file = join(dir, COMPATIBILITY_FILE);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`${file}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError(`${file}: expected an object of schema name → compatibility mode`);
  }
  const modes: Record<string, CompatibilityMode> = {};
  for (const [name, mode] of Object.entries(parsed)) {
    if (!isCompatibilityMode(mode)) {
      throw new InvalidInputError(
        `${file}: "${name}" = ${JSON.stringify(mode)}: expected one of ${COMPATIBILITY_MODES.join(', ')}`,
      );
    }
    modes[name] = mode;
  }
  return modes;
}

/** An earlier version of a schema to compare against. */
export interface EarlierVersion {
  /** Where it comes from, e.g. `history:v2` or `git:main`. */
  readonly label: string;
  readonly node: AvroNode;
}

/** A violation found while comparing with one earlier version. */
export interface ModeViolation extends CompatibilityViolation {
  /** Label of the earlier version compared against. */
  readonly against: string;
  readonly direction: ResolutionDirection;
}

/**
 * Checks `current` against its earlier versions (oldest first, the last being the latest) under `mode`:
 * non-transitive modes compare with the latest earlier version only, transitive modes with all of them;
 * BACKWARD checks that `current` reads the earlier data, FORWARD that the earlier schemas read current
 * data, FULL both. Returns every violation and the labels of the versions compared.
 */
export function checkAgainstVersions(
  current: AvroNode,
  earlier: readonly EarlierVersion[],
  mode: CompatibilityMode,
  rootPath: string,
): { compared: string[]; violations: ModeViolation[] } {
  if (mode === 'NONE' || earlier.length === 0) return { compared: [], violations: [] };
  const targets = mode.endsWith('_TRANSITIVE') ? earlier : earlier.slice(-1);
  const backward = mode.startsWith('BACKWARD') || mode.startsWith('FULL');
  const forward = mode.startsWith('FORWARD') || mode.startsWith('FULL');
  const violations: ModeViolation[] = [];
  for (const version of targets) {
    if (backward) {
      for (const v of findViolations(current, version.node, 'backward', rootPath)) {
        violations.push({ ...v, against: version.label, direction: 'backward' });
      }
    }
    if (forward) {
      for (const v of findViolations(version.node, current, 'forward', rootPath)) {
        violations.push({ ...v, against: version.label, direction: 'forward' });
      }
    }
  }
  return { compared: targets.map((t) => t.label), violations };
}
