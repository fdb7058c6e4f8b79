import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readFrame } from '../../events/codec/framing.js';
import type { ParsedSchema } from '../../events/schemas/avro-schema.js';
import type { FixtureRule } from './validation-report.js';

/** A schema version golden fixtures are checked against. */
export interface FixtureVersion {
  readonly version: number;
  readonly schema: ParsedSchema;
}

/** A problem with a golden fixture. */
export interface FixtureFinding {
  readonly file: string;
  readonly rule: FixtureRule;
  readonly message: string;
}

/**
 * Checks the golden fixtures of schema `name`: every `<fixturesDir>/<name>/v<N>/<case>.bin` must be a
 * single-object encoded message of version N (its fingerprint in the header), decode without leftover
 * bytes, and have `<case>.json` beside it holding the same value in Avro JSON encoding, which must encode
 * back to the same bytes. A version directory with no known schema version is an orphan; the current
 * version without any fixture is `fixture-missing`. Returns the number of fixtures checked and findings.
 */
export function checkFixtures(
  fixturesDir: string,
  name: string,
  versions: readonly FixtureVersion[],
  currentVersion: number,
): { checked: number; findings: FixtureFinding[] } {
  const findings: FixtureFinding[] = [];
  let checked = 0;
  let currentHasFixture = false;
  const folder = join(fixturesDir, name);
  const entries = existsSync(folder) ? readdirSync(folder, { withFileTypes: true }) : [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const versionDir = join(folder, entry.name);
    const match = /^v(\d+)$/.exec(entry.name);
    const version = match ? versions.find((v) => v.version === Number(match[1])) : undefined;
    if (!version) {
      findings.push({
        file: versionDir,
        rule: 'fixture-orphan',
        message: `fixtures for ${name} ${entry.name}, but no such version (known: ${versions.map((v) => `v${v.version}`).join(', ')}); name the directory v<N> after schemas/kafka/history/${name}/v<N>.avsc.`,
      });
      continue;
    }
    for (const file of readdirSync(versionDir)
      .filter((f) => f.endsWith('.bin'))
      .sort()) {
      checked += 1;
      if (version.version === currentVersion) currentHasFixture = true;
      findings.push(...checkOne(join(versionDir, file), version));
    }
  }
  if (!currentHasFixture) {
    findings.push({
      file: join(folder, `v${currentVersion}`),
      rule: 'fixture-missing',
      message: `no golden fixture for ${name} v${currentVersion}: add <case>.bin (single-object encoded) and <case>.json beside it, e.g. with scripts/make-avro-fixtures.ts.`,
    });
  }
  return { checked, findings };
}

function checkOne(binFile: string, { version, schema }: FixtureVersion): FixtureFinding[] {
  const fail = (rule: FixtureRule, message: string): FixtureFinding[] => [{ file: binFile, rule, message }];
  const bytes = readFileSync(binFile);
  let body: Buffer;
  try {
    const frame = readFrame(bytes);
    if (frame.framing !== 'single-object') {
      return fail('fixture-undecodable', 'golden fixtures are single-object encoded (C3 01 header)');
    }
    const fingerprint = frame.fingerprint.toString('hex');
    if (fingerprint !== schema.fingerprintHex) {
      return fail(
        'fixture-fingerprint-mismatch',
        `header fingerprint ${fingerprint} is not that of v${version} (${schema.fingerprintHex}): the schema or the fixture changed.`,
      );
    }
    body = frame.body;
  } catch (error) {
    return fail('fixture-undecodable', (error as Error).message);
  }
  let decoded: unknown;
  try {
    decoded = schema.type.fromBuffer(body);
  } catch (error) {
    return fail('fixture-undecodable', `body does not decode with v${version}: ${(error as Error).message}`);
  }
  const jsonFile = binFile.replace(/\.bin$/, '.json');
  if (!existsSync(jsonFile)) {
    return fail('fixture-json-missing', `no ${jsonFile.slice(jsonFile.lastIndexOf('/') + 1)} beside it`);
  }
  const text = readFileSync(jsonFile, 'utf8');
  let expected: unknown;
  let reencoded: Buffer;
  try {
    expected = JSON.parse(text);
    reencoded = schema.type.toBuffer(schema.type.fromString(text));
  } catch (error) {
    return [
      {
        file: jsonFile,
        rule: 'fixture-mismatch',
        message: `not a v${version} value in Avro JSON encoding: ${(error as Error).message}`,
      },
    ];
  }
  if (!isDeepStrictEqual(JSON.parse(schema.type.toString(decoded)), expected)) {
    return fail('fixture-mismatch', `decodes to a value other than the one in ${jsonFile}`);
  }
  if (!reencoded.equals(body)) {
    return fail('fixture-mismatch', `the value in the .json encodes to other bytes than the .bin body`);
  }
  return [];
}

/** Fixture directories naming no known schema (`<fixturesDir>/<name>` with no `<name>.avsc`). */
export function orphanSchemaDirs(fixturesDir: string, names: readonly string[]): FixtureFinding[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !names.includes(entry.name))
    .map((entry) => ({
      file: join(fixturesDir, entry.name),
      rule: 'fixture-orphan' as const,
      message: `fixtures for ${entry.name}, but there is no ${entry.name}.avsc.`,
    }));
}
