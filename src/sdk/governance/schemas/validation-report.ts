import type { CompatibilityMode, ModeSource } from './compatibility-modes.js';
import type { CompatibilityRule, ResolutionDirection } from './schema-compatibility.js';
import type { LintRule } from './schema-lint.js';

/** Rule ids of golden fixture findings. */
export type FixtureRule =
  | 'fixture-missing'
  | 'fixture-orphan'
  | 'fixture-undecodable'
  | 'fixture-fingerprint-mismatch'
  | 'fixture-json-missing'
  | 'fixture-mismatch';

/** Every rule id `schemas validate` reports. */
export type SchemaRule = 'parse-error' | 'changelog-missing' | LintRule | FixtureRule | CompatibilityRule;

/** The check a finding comes from. */
export type FindingCategory = 'parse' | 'lint' | 'fixture' | 'compatibility' | 'changelog';

/** One violation. */
export interface SchemaFinding {
  /** File the finding is about (relative to the working directory when inside it). */
  readonly file: string;
  /** Schema name (file name without `.avsc`). */
  readonly schema: string;
  /** Field path, e.g. `ConversationEvent.sealed.nonce`, or null when about the whole file. */
  readonly path: string | null;
  readonly rule: SchemaRule;
  readonly category: FindingCategory;
  /** What is wrong and what to do. */
  readonly message: string;
  /** Compatibility: the earlier version compared against, e.g. `history:v1` or `git:main`. */
  readonly against?: string;
  /** Compatibility: `backward` (new reads old) or `forward` (old reads new). */
  readonly direction?: ResolutionDirection;
}

/** How a schema relates to its baselines (the `--against` ref and the latest history version). */
export type SchemaStatus = 'unchanged' | 'changed' | 'added' | 'unversioned' | 'unparsable';

/** What was checked for one schema. */
export interface SchemaSummary {
  readonly name: string;
  readonly file: string;
  /** Full name of the top-level type; null when the schema does not parse. */
  readonly fullName: string | null;
  /** CRC-64-AVRO fingerprint (16 hex digits, little-endian bytes); null when it does not parse. */
  readonly fingerprint: string | null;
  /** Version number of the current file (latest history version when equal, else the next). */
  readonly version: number | null;
  /** `added`: absent at the --against ref; `unversioned`: no baseline to compare with. */
  readonly status: SchemaStatus;
  readonly mode: CompatibilityMode;
  /** Where `mode` came from: `flag` (--mode), `config` (schemas.compatibility), `file` (compatibility.json), `default`. */
  readonly modeSource: ModeSource;
  /** Labels of the earlier versions checked for compatibility. */
  readonly comparedWith: string[];
  /** Golden fixtures checked. */
  readonly fixtures: number;
  /** Findings about this schema. */
  readonly findings: number;
}

/** Result of `validateSchemas` (and of `somaagent schemas validate --json`). */
export interface SchemaValidationReport {
  /** True when there is no finding. */
  readonly ok: boolean;
  readonly dir: string;
  /** Fixtures directory checked, or null when there is none (no default `fixtures/avro`). */
  readonly fixturesDir: string | null;
  /** The git ref compared against, or null. */
  readonly against: string | null;
  /** `--mode`, overriding every schema's mode, or null. */
  readonly modeOverride: CompatibilityMode | null;
  /** CHANGELOG.md consulted for changed schemas, or null when none was found. */
  readonly changelog: string | null;
  readonly schemas: SchemaSummary[];
  readonly findings: SchemaFinding[];
  readonly summary: {
    readonly schemas: number;
    readonly fixtures: number;
    readonly comparisons: number;
    readonly findings: number;
  };
  /** Notes for people (e.g. no fixtures directory); never findings. */
  readonly notes: string[];
}
