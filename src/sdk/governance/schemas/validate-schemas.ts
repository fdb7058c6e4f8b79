import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { errorMessage, InvalidInputError, NotFoundError } from '../../errors.js';
import { toAvroNode } from '../../events/schemas/avro-node.js';
import { type ParsedSchema, parseSchema, sameVersion } from '../../events/schemas/avro-schema.js';
import { currentVersionNumber } from '../../events/schemas/schema-catalog.js';
import { listHistoryFiles, listSchemaFiles } from '../../events/schemas/schema-files.js';
import { findChangelog, unreleasedSection } from './changelog-check.js';
import {
  type ChosenMode,
  type CompatibilityMode,
  checkAgainstVersions,
  chooseModes,
  type EarlierVersion,
  loadCompatibilityModes,
} from './compatibility-modes.js';
import { checkFixtures, type FixtureVersion, orphanSchemaDirs } from './fixture-check.js';
import { type GitRefReader, openGitRef } from './git-ref.js';
import { lintSchema } from './schema-lint.js';
import type {
  SchemaFinding,
  SchemaStatus,
  SchemaSummary,
  SchemaValidationReport,
} from './validation-report.js';

/** Options of {@link validateSchemas}. Relative paths are resolved against `cwd`. */
export interface ValidateSchemasOptions {
  /** Directory of the `.avsc` files (default `schemas/kafka`); its `history/` holds released versions. */
  readonly dir?: string;
  /** Golden fixtures (default `fixtures/avro`; skipped with a note when that default does not exist). */
  readonly fixturesDir?: string;
  /** Git ref whose version of each schema is the latest earlier version (e.g. `main`, `HEAD~1`). */
  readonly against?: string;
  /** Mode for every schema, overriding `modes` and `<dir>/compatibility.json`. */
  readonly mode?: CompatibilityMode;
  /**
   * Modes by event topic (`conversation.events`) or schema name, overriding `<dir>/compatibility.json`
   * (config `schemas.compatibility`). A name that matches no topic and no schema is a `ConfigError`.
   */
  readonly modes?: Readonly<Record<string, CompatibilityMode>>;
  /** CHANGELOG.md to look for changed schemas in (default: the nearest one above `dir`). */
  readonly changelog?: string;
  /** Base of relative paths and of the file names in the report (default `process.cwd()`). */
  readonly cwd?: string;
}

/**
 * Validates every `.avsc` directly in the schema directory and reports every finding: parse errors, lint
 * (namespace, docs, optional-field defaults, naming), golden fixtures, compatibility with earlier versions
 * (`history/<name>/v<N>.avsc` and the file at the `against` git ref) under each schema's mode, and changed
 * schemas without an entry in the `## [Unreleased]` section of CHANGELOG.md.
 *
 * Each schema's mode: `mode` for all, else `modes` by topic or schema name, else `compatibility.json`, else
 * BACKWARD.
 *
 * Findings are returned, never thrown. A missing directory, an empty one, a bad `compatibility.json`, an
 * explicit fixtures directory that does not exist or a bad git ref are thrown as `InvalidInputError` /
 * `NotFoundError`, a `modes` entry naming no schema as `ConfigError` (the CLI exits 2).
 */
export async function validateSchemas(options: ValidateSchemasOptions = {}): Promise<SchemaValidationReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const dir = resolve(cwd, options.dir ?? 'schemas/kafka');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new NotFoundError(`schema directory ${dir} does not exist`, {
      hint: 'Pass --dir with the directory holding the .avsc files.',
    });
  }
  const files = listSchemaFiles(dir);
  if (files.length === 0) {
    throw new InvalidInputError(`no .avsc files in ${dir}`, {
      hint: 'Pass --dir with the schema directory.',
    });
  }
  const notes: string[] = [];
  const fixturesDir = locateFixtures(cwd, options.fixturesDir, notes);
  const modes = chooseModes(
    files.map((f) => f.name),
    loadCompatibilityModes(dir),
    options.modes,
    options.mode,
  );
  const git = options.against === undefined ? null : await openGitRef(dir, options.against);
  const changelog = options.changelog ? resolve(cwd, options.changelog) : findChangelog(dir);
  if (changelog && !existsSync(changelog)) throw new NotFoundError(`changelog ${changelog} does not exist`);
  const unreleased = changelog ? unreleasedSection(changelog) : '';
  const show = (file: string): string => {
    const rel = relative(cwd, file);
    return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
  };

  const findings: SchemaFinding[] = [];
  const schemas: SchemaSummary[] = [];
  let comparisons = 0;
  for (const { name, file } of files) {
    const { mode, source: modeSource } = modes.get(name) as ChosenMode;
    const before = findings.length;
    const add = (finding: Omit<SchemaFinding, 'schema' | 'file'> & { file?: string }) =>
      findings.push({ ...finding, schema: name, file: show(finding.file ?? file) });
    const parsed = parseFile(readFileSync(file, 'utf8'), (message) =>
      add({ path: null, rule: 'parse-error', category: 'parse', message }),
    );
    if (!parsed) {
      schemas.push({
        name,
        file: show(file),
        fullName: null,
        fingerprint: null,
        version: null,
        status: 'unparsable',
        mode,
        modeSource,
        comparedWith: [],
        fixtures: 0,
        findings: findings.length - before,
      });
      continue;
    }
    for (const lint of lintSchema(parsed.json)) add({ ...lint, category: 'lint' });

    const history: FixtureVersion[] = [];
    for (const h of listHistoryFiles(dir, name)) {
      const schema = parseFile(readFileSync(h.file, 'utf8'), (message) =>
        add({ file: h.file, path: null, rule: 'parse-error', category: 'parse', message }),
      );
      if (schema) history.push({ version: h.version, schema });
    }
    const version = currentVersionNumber(parsed, history);

    let atRef: ParsedSchema | null = null;
    let absentAtRef = false;
    if (git) {
      const text = await git.read(file);
      if (text === null) absentAtRef = true;
      else {
        atRef = parseFile(text, (message) =>
          add({ path: null, rule: 'parse-error', category: 'parse', message: `at ${git.ref}: ${message}` }),
        );
      }
    }

    const status = statusOf(parsed, history, git, atRef, absentAtRef);
    if ((status === 'added' || status === 'changed') && !unreleased.includes(basename(file))) {
      add({
        path: null,
        rule: 'changelog-missing',
        category: 'changelog',
        message: changelog
          ? `${basename(file)} ${status === 'added' ? 'is new' : 'changed'} but the ## [Unreleased] section of ${show(changelog)} does not mention it: describe the schema change there.`
          : `${basename(file)} ${status === 'added' ? 'is new' : 'changed'} but no CHANGELOG.md was found above ${show(dir)}: add one with a ## [Unreleased] section naming the change.`,
      });
    }

    const earlier = earlierVersions(parsed, history, version, git, atRef);
    const root = parsed.fullName.slice(parsed.fullName.lastIndexOf('.') + 1);
    const { compared, violations } = checkAgainstVersions(toAvroNode(parsed.type), earlier, mode, root);
    comparisons += compared.length;
    for (const v of violations) add({ ...v, category: 'compatibility' });

    let fixtures = 0;
    if (fixturesDir) {
      const versions = [...history.filter((h) => h.version !== version), { version, schema: parsed }];
      const result = checkFixtures(fixturesDir, name, versions, version);
      fixtures = result.checked;
      for (const f of result.findings)
        add({ file: f.file, path: null, rule: f.rule, category: 'fixture', message: f.message });
    }
    schemas.push({
      name,
      file: show(file),
      fullName: parsed.fullName,
      fingerprint: parsed.fingerprintHex,
      version,
      status,
      mode,
      modeSource,
      comparedWith: compared,
      fixtures,
      findings: findings.length - before,
    });
  }
  if (fixturesDir) {
    for (const orphan of orphanSchemaDirs(
      fixturesDir,
      files.map((f) => f.name),
    )) {
      findings.push({
        file: show(orphan.file),
        schema: basename(orphan.file),
        path: null,
        rule: orphan.rule,
        category: 'fixture',
        message: orphan.message,
      });
    }
  }
  return {
    ok: findings.length === 0,
    dir: show(dir),
    fixturesDir: fixturesDir ? show(fixturesDir) : null,
    against: options.against ?? null,
    modeOverride: options.mode ?? null,
    changelog: changelog ? show(changelog) : null,
    schemas,
    findings,
    summary: {
      schemas: schemas.length,
      fixtures: schemas.reduce((n, s) => n + s.fixtures, 0),
      comparisons,
      findings: findings.length,
    },
    notes,
  };
}

function locateFixtures(cwd: string, explicit: string | undefined, notes: string[]): string | null {
  const dir = resolve(cwd, explicit ?? 'fixtures/avro');
  if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  if (explicit !== undefined) {
    throw new NotFoundError(`fixtures directory ${dir} does not exist`, {
      hint: 'Pass --fixtures with the directory holding <schema>/v<N>/*.bin, or omit it.',
    });
  }
  notes.push(`no fixtures directory at ${dir}: golden fixtures were not checked`);
  return null;
}

function parseFile(text: string, onError: (message: string) => void): ParsedSchema | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    onError(`not valid JSON: ${errorMessage(error)}`);
    return null;
  }
  try {
    return parseSchema(json, 'schema');
  } catch (error) {
    onError(errorMessage(error).replace(/^schema: /, ''));
    return null;
  }
}

function statusOf(
  current: ParsedSchema,
  history: readonly FixtureVersion[],
  git: GitRefReader | null,
  atRef: ParsedSchema | null,
  absentAtRef: boolean,
): SchemaStatus {
  if (absentAtRef) return 'added';
  const latest = history.at(-1);
  const changedVsRef = atRef !== null && !isDeepStrictEqual(atRef.json, current.json);
  const changedVsHistory = latest !== undefined && !isDeepStrictEqual(latest.schema.json, current.json);
  if (changedVsRef || changedVsHistory) return 'changed';
  return git || latest ? 'unchanged' : 'unversioned';
}

/** Earlier versions, oldest first: released versions before the current one, then the git ref's. */
function earlierVersions(
  current: ParsedSchema,
  history: readonly FixtureVersion[],
  version: number,
  git: GitRefReader | null,
  atRef: ParsedSchema | null,
): EarlierVersion[] {
  const earlier = history.filter((h) => h.version < version);
  const list: EarlierVersion[] = earlier.map((h) => ({
    label: `history:v${h.version}`,
    node: toAvroNode(h.schema.type),
  }));
  if (git && atRef && !sameVersion(atRef, current) && !earlier.some((h) => sameVersion(h.schema, atRef))) {
    list.push({ label: `git:${git.ref}`, node: toAvroNode(atRef.type) });
  }
  return list;
}
