import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InvalidInputError } from '../../errors.js';
import type { AvroNode } from '../../events/schemas/avro-node.js';
import { EVENT_TOPICS, schemaNameOfTopic } from '../../events/schemas/event-topics.js';
import {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  DEFAULT_COMPATIBILITY_MODE,
  isCompatibilityMode,
} from './compatibility-mode-names.js';
import {
  type CompatibilityViolation,
  findViolations,
  type ResolutionDirection,
} from './schema-compatibility.js';

export {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  DEFAULT_COMPATIBILITY_MODE,
  isCompatibilityMode,
} from './compatibility-mode-names.js';

/** Name of the per-schema modes file inside the schema directory. */
export const COMPATIBILITY_FILE = 'compatibility.json';

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

/** Where a schema's compatibility mode came from: `--mode`, config `schemas.compatibility`, the file, or the default. */
export type ModeSource = 'flag' | 'config' | 'file' | 'default';

/** A schema's compatibility mode and where it came from. */
export interface ChosenMode {
  readonly mode: CompatibilityMode;
  readonly source: ModeSource;
}

/**
 * Chooses each schema's mode: `mode` (`--mode`) for every schema; else `overrides` (config
 * `schemas.compatibility`, keyed by event topic such as `conversation.events` or by schema name); else
 * `fileModes` (`compatibility.json`); else BACKWARD. An override naming neither an event topic nor one of
 * `names`, or a schema named both by topic and by name with different modes, is a {@link ConfigError}
 * naming the key (a typo must not leave a schema under a weaker mode than intended). An event topic whose
 * schema is not among `names` is ignored: the directory may hold only some of the schemas.
 */
export function chooseModes(
  names: readonly string[],
  fileModes: Readonly<Record<string, CompatibilityMode>>,
  overrides: Readonly<Record<string, CompatibilityMode>> = {},
  mode?: CompatibilityMode,
): Map<string, ChosenMode> {
  const fromConfig = new Map<string, { mode: CompatibilityMode; key: string }>();
  for (const [key, value] of Object.entries(overrides)) {
    const name = schemaNameOfTopic(key) ?? key;
    if (!names.includes(name)) {
      if (schemaNameOfTopic(key) !== undefined) continue;
      throw new ConfigError(
        `schemas.compatibility: ${key} is neither an event topic nor a schema in this directory`,
        {
          hint: `Name a topic (${Object.keys(EVENT_TOPICS).join(', ')}) or a schema file without .avsc (${names.join(', ')}).`,
        },
      );
    }
    const earlier = fromConfig.get(name);
    if (earlier && earlier.mode !== value) {
      throw new ConfigError(
        `schemas.compatibility: ${earlier.key}=${earlier.mode} and ${key}=${value} name the same schema ${name}`,
        { hint: 'Give the schema one mode, by topic or by schema name.' },
      );
    }
    fromConfig.set(name, { mode: value, key });
  }
  const chosen = new Map<string, ChosenMode>();
  for (const name of names) {
    const configured = fromConfig.get(name);
    if (mode) chosen.set(name, { mode, source: 'flag' });
    else if (configured) chosen.set(name, { mode: configured.mode, source: 'config' });
    else if (fileModes[name]) chosen.set(name, { mode: fileModes[name], source: 'file' });
    else chosen.set(name, { mode: DEFAULT_COMPATIBILITY_MODE, source: 'default' });
  }
  return chosen;
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
