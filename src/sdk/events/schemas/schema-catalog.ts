import { readFileSync } from 'node:fs';
import { NotFoundError } from '../../errors.js';
import { type ParsedSchema, parseSchemaText, sameVersion } from './avro-schema.js';
import { KAFKA_SCHEMAS_DIR, listHistoryFiles, listSchemaFiles } from './schema-files.js';

/** One version of a schema known to a {@link SchemaCatalog}. */
export interface SchemaVersion {
  /** Schema name: the `.avsc` file name without extension, e.g. `conversation_event`. */
  readonly name: string;
  /** Version number (`history/<name>/v<N>.avsc`); the current file is the latest released or the next. */
  readonly version: number;
  readonly schema: ParsedSchema;
  /** Whether this is the current (reader) version. */
  readonly current: boolean;
}

/**
 * The schemas a process reads and writes: for each name the current version (the reader schema, also
 * used to write) and every released version, found by fingerprint so a message written with an older
 * version is decoded into the current one.
 */
export interface SchemaCatalog {
  /** Schema names, sorted. */
  readonly names: readonly string[];
  /** The current version of `name`; a {@link NotFoundError} when the catalog has no such schema. */
  current(name: string): SchemaVersion;
  /**
   * The version with this CRC-64-AVRO fingerprint (16 hex digits), if known. Versions that differ only in
   * defaults or aliases share a fingerprint (their encodings are identical); the newest of them is returned.
   */
  byFingerprint(fingerprintHex: string): SchemaVersion | undefined;
  /** The current version of the schema whose top-level type has this full name, if any. */
  byFullName(fullName: string): SchemaVersion | undefined;
  /** Every known version of `name`, oldest first (the current one last). */
  versions(name: string): readonly SchemaVersion[];
}

/** Input of {@link createSchemaCatalog}: one schema with its released versions. */
export interface CatalogEntry {
  readonly name: string;
  readonly current: ParsedSchema;
  readonly history: ReadonlyArray<{ readonly version: number; readonly schema: ParsedSchema }>;
}

/**
 * The version number of a current schema given its released versions: that of the latest released
 * version when it is the same version (see `sameVersion`: docs may differ), else the next number (1 with
 * no history).
 */
export function currentVersionNumber(
  current: ParsedSchema,
  history: ReadonlyArray<{ readonly version: number; readonly schema: ParsedSchema }>,
): number {
  const latest = history.at(-1);
  if (!latest) return 1;
  return sameVersion(latest.schema, current) ? latest.version : latest.version + 1;
}

/** Builds a catalog from parsed schemas (tests and tools build their own; see {@link loadSchemaCatalog}). */
export function createSchemaCatalog(entries: readonly CatalogEntry[]): SchemaCatalog {
  const currents = new Map<string, SchemaVersion>();
  const all = new Map<string, SchemaVersion[]>();
  const byFingerprint = new Map<string, SchemaVersion>();
  const byFullName = new Map<string, SchemaVersion>();
  for (const entry of entries) {
    const current: SchemaVersion = {
      name: entry.name,
      version: currentVersionNumber(entry.current, entry.history),
      schema: entry.current,
      current: true,
    };
    const versions: SchemaVersion[] = entry.history
      .filter((h) => h.version !== current.version)
      .map((h) => ({ name: entry.name, version: h.version, schema: h.schema, current: false }));
    versions.push(current);
    for (const v of versions) byFingerprint.set(v.schema.fingerprintHex, v);
    currents.set(entry.name, current);
    all.set(entry.name, versions);
    byFullName.set(entry.current.fullName, current);
  }
  const names = [...currents.keys()].sort();
  return {
    names,
    current(name) {
      const found = currents.get(name);
      if (!found) {
        throw new NotFoundError(`no Avro schema named "${name}" (known: ${names.join(', ') || 'none'})`);
      }
      return found;
    },
    byFingerprint: (hex) => byFingerprint.get(hex.toLowerCase()),
    byFullName: (fullName) => byFullName.get(fullName),
    versions: (name) => all.get(name) ?? [],
  };
}

/**
 * Loads every `.avsc` directly in `dir` (default: the package's `schemas/kafka`) as current versions and
 * `history/<name>/v<N>.avsc` as released versions. A file that does not parse is an `InvalidInputError`
 * naming it.
 */
export function loadSchemaCatalog(dir: string = KAFKA_SCHEMAS_DIR): SchemaCatalog {
  return createSchemaCatalog(
    listSchemaFiles(dir).map(({ name, file }) => ({
      name,
      current: parseSchemaText(readFileSync(file, 'utf8'), file),
      history: listHistoryFiles(dir, name).map((h) => ({
        version: h.version,
        schema: parseSchemaText(readFileSync(h.file, 'utf8'), h.file),
      })),
    })),
  );
}
