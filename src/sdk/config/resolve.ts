import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, fileReadProblem } from '../errors.js';
import {
  CONFIG_KEYS,
  type ConfigSource,
  INVALID,
  InvalidValue,
  type KeyDefinition,
  type SomaConfig,
  type Value,
} from './schema.js';

/** Inputs of {@link resolveConfig}. Only this module falls back to `process.env`. */
export interface ResolveOptions {
  /** Values given as command-line flags, by dotted key (highest precedence). */
  flags?: Readonly<Record<string, unknown>>;
  /** Environment variables; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Working directory where `somaagent.config.yaml|yml|json` is looked for; defaults to `process.cwd()`. */
  cwd?: string;
  /** Explicit config file path (`--config`); overrides `SOMA_CONFIG` and the working-directory lookup. */
  configFile?: string;
}

/** Where one key's value came from. */
export interface ValueOrigin {
  readonly source: ConfigSource;
  /** The flag, variable or file that set it. */
  readonly from: string;
}

/** The outcome of {@link resolveConfig}: frozen config, per-key origins and warnings. */
export interface ResolvedConfig {
  readonly config: SomaConfig;
  readonly origins: Readonly<Record<string, ValueOrigin>>;
  /** The config file that was read, if any. */
  readonly file: string | undefined;
  /** Things worth telling a person that are not errors (e.g. an unknown `SOMA_*` variable). */
  readonly warnings: readonly string[];
}

const FILE_NAMES = ['somaagent.config.yaml', 'somaagent.config.yml', 'somaagent.config.json'];
/** Variables read by the project's scripts and tests rather than by the configuration. */
const NON_CONFIG_ENV = /^SOMA_(TEST_|SERVICES_|CONFIG$|KAFKA_CLASSPATH$)/;

/** Keys with a flag of their own on every command; the rest are set with `--set key=value`. */
const DEDICATED_FLAGS: Record<string, string> = { profile: '--profile', dataDir: '--data-dir' };

type Raw = { value: unknown; origin: ValueOrigin };

/**
 * Resolves the configuration: flag → environment (`SOMA_*`) → config file → defaults. Validates every key
 * once and throws one {@link ConfigError} listing every bad value with its key, source and expected form.
 */
export function resolveConfig(options: ResolveOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const warnings: string[] = [];

  const file = locateFile(
    options.configFile ?? env.SOMA_CONFIG,
    options.configFile ? '--config' : 'SOMA_CONFIG',
    cwd,
  );
  const fileValues = file ? readFile(file, problems) : new Map<string, unknown>();

  const values: Record<string, Value> = {};
  const origins: Record<string, ValueOrigin> = {};
  for (const definition of CONFIG_KEYS) {
    const raw = pick(definition, options.flags, env, fileValues, file);
    if (!raw) {
      const fallback = definition.default;
      values[definition.key] = typeof fallback === 'function' ? fallback(values) : fallback;
      origins[definition.key] = { source: 'default', from: 'default' };
      continue;
    }
    const parsed = definition.parse(raw.value, values);
    if (parsed === INVALID || parsed instanceof InvalidValue) {
      const reason = parsed instanceof InvalidValue ? `${parsed.reason}; ` : '';
      problems.push(
        `${definition.key} = ${JSON.stringify(raw.value)} (from ${raw.origin.source} ${raw.origin.from}): ${reason}expected ${definition.expected}`,
      );
      continue;
    }
    values[definition.key] = parsed;
    origins[definition.key] = raw.origin;
  }

  for (const key of fileValues.keys()) {
    if (!CONFIG_KEYS.some((d) => d.key === key)) {
      problems.push(`${key} (from file ${file}): unknown key${suggest(key)}`);
    }
  }
  for (const key of Object.keys(options.flags ?? {})) {
    if (!CONFIG_KEYS.some((d) => d.key === key))
      problems.push(`${key} (from flag): unknown key${suggest(key)}`);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('SOMA_') && !NON_CONFIG_ENV.test(name) && !CONFIG_KEYS.some((d) => d.env === name)) {
      warnings.push(`environment variable ${name} is not a somaagent setting and was ignored`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      hint: 'Fix the values above; `somaagent config show --json` lists every key with its variable and description (README.md, Configuration, gives each form).',
      details: { problems },
    });
  }

  values.dataDir = isAbsolute(values.dataDir as string)
    ? values.dataDir
    : resolvePath(cwd, values.dataDir as string);
  return deepFreeze({ config: nest(values) as unknown as SomaConfig, origins, file, warnings });
}

function pick(
  definition: KeyDefinition,
  flags: ResolveOptions['flags'],
  env: Readonly<Record<string, string | undefined>>,
  fileValues: Map<string, unknown>,
  file: string | undefined,
): Raw | undefined {
  const flag = flags?.[definition.key];
  if (flag !== undefined) {
    return {
      value: flag,
      origin: { source: 'flag', from: DEDICATED_FLAGS[definition.key] ?? `--set ${definition.key}` },
    };
  }
  const fromEnv = env[definition.env];
  if (fromEnv !== undefined) return { value: fromEnv, origin: { source: 'env', from: definition.env } };
  if (fileValues.has(definition.key)) {
    return { value: fileValues.get(definition.key), origin: { source: 'file', from: file as string } };
  }
  return undefined;
}

function locateFile(explicit: string | undefined, via: string, cwd: string): string | undefined {
  if (explicit !== undefined && explicit !== '') {
    const path = resolvePath(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError(`Config file ${path} (from ${via}) does not exist`, {
        hint: 'Pass the path of an existing somaagent.config.yaml or .json file.',
      });
    }
    return path;
  }
  return FILE_NAMES.map((name) => resolvePath(cwd, name)).find((path) => existsSync(path));
}

function readFile(path: string, problems: string[]): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Config file ${path} ${fileReadProblem(error)}`, {
      hint: 'Pass --config (or SOMA_CONFIG) the path of a readable somaagent.config.yaml or .json file.',
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The YAML parser appends a code frame on further lines; its first line names the line and column.
    const reason = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new ConfigError(`Config file ${path} could not be parsed: ${reason}`, {
      hint: 'Fix the syntax of the file (YAML or JSON).',
      cause: error,
    });
  }
  const values = new Map<string, unknown>();
  if (document === null || document === undefined) return values;
  if (typeof document !== 'object' || Array.isArray(document)) {
    problems.push(`file ${path}: expected a mapping of keys to values at the top level`);
    return values;
  }
  flatten(document as Record<string, unknown>, '', values);
  return values;
}

function flatten(object: Record<string, unknown>, prefix: string, into: Map<string, unknown>): void {
  for (const [name, value] of Object.entries(object)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const isSection = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (isSection && !CONFIG_KEYS.some((d) => d.key === key))
      flatten(value as Record<string, unknown>, key, into);
    else into.set(key, value);
  }
}

function nest(values: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = value;
  }
  return root;
}

function suggest(key: string): string {
  const lower = key.toLowerCase();
  const close = CONFIG_KEYS.find(
    (d) =>
      d.key.toLowerCase() === lower ||
      d.key.toLowerCase().replace(/[._]/g, '') === lower.replace(/[._-]/g, ''),
  );
  return close ? ` (did you mean ${close.key}?)` : '';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
