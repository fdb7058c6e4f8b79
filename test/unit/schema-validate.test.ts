import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidInputError, NotFoundError } from '../../src/sdk/errors.js';
import { encodeSingleObject } from '../../src/sdk/events/codec/event-codec.js';
import { parseSchema } from '../../src/sdk/events/schemas/avro-schema.js';
import { chooseModes } from '../../src/sdk/governance/schemas/compatibility-modes.js';
import { renderGithub, renderJunit, renderText } from '../../src/sdk/governance/schemas/report-formats.js';
import { validateSchemas } from '../../src/sdk/governance/schemas/validate-schemas.js';
import { ROOT } from '../support/cli.js';

type Field = { name: string; type: unknown; default?: unknown; doc?: string };

/** A lint-clean record schema `dev.test.<Name>` with the given fields. */
function schema(name: string, ...fields: Field[]) {
  return {
    type: 'record',
    name,
    namespace: 'dev.test',
    doc: `${name} record.`,
    fields: fields.map((f) => ({ doc: `${f.name} field.`, ...f })),
  };
}

const CHANGELOG_EMPTY = '# Changelog\n\n## [Unreleased]\n\n## [0.1.0]\n- thing.avsc\n';

/** Writes a temp project (paths relative to its root; objects as JSON) and returns the root. */
function project(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'soma-schemas-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return root;
}

function fixture(root: string, name: string, version: number, label: string, json: unknown, value: unknown) {
  const parsed = parseSchema(json, 'fixture');
  const dir = join(root, 'fixtures/avro', name, `v${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${label}.bin`), encodeSingleObject(parsed, value));
  writeFileSync(join(dir, `${label}.json`), parsed.type.toString(value));
}

const rules = (report: Awaited<ReturnType<typeof validateSchemas>>) =>
  report.findings.map((f) => `${f.rule}${f.path ? ` ${f.path}` : ''}${f.against ? ` vs ${f.against}` : ''}`);

describe('validateSchemas on the shipped schemas', () => {
  it('finds nothing: parsed, linted, fixtures equal, history compatible', async () => {
    const report = await validateSchemas({ cwd: ROOT });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.schemas.map((s) => [s.name, s.version, s.status, s.mode])).toEqual([
      ['config_update', 1, 'unchanged', 'BACKWARD'],
      ['conversation_event', 1, 'unchanged', 'BACKWARD'],
      ['tool_execution', 1, 'unchanged', 'BACKWARD'],
    ]);
    expect(report.summary.fixtures).toBeGreaterThanOrEqual(10);
    expect(report.dir).toBe('schemas/kafka');
  });
});

describe('validateSchemas: compatibility with history', () => {
  const v1 = schema('Thing', { name: 'a', type: 'int' });
  const v2 = schema('Thing', { name: 'a', type: 'int' }, { name: 'b', type: 'string', default: 'x' });
  const v3 = schema('Thing', { name: 'a', type: 'int' }, { name: 'b', type: 'string' });
  const files = (mode?: string) => ({
    'schemas/kafka/thing.avsc': v3,
    'schemas/kafka/history/thing/v1.avsc': v1,
    'schemas/kafka/history/thing/v2.avsc': v2,
    ...(mode ? { 'schemas/kafka/compatibility.json': { thing: mode } } : {}),
    'CHANGELOG.md': '# Changelog\n\n## [Unreleased]\n- thing.avsc: b is now required.\n',
  });

  it('BACKWARD (default) compares with the latest released version only', async () => {
    const report = await validateSchemas({ cwd: project(files()) });
    expect(rules(report)).toEqual([]);
    expect(report.schemas[0]).toMatchObject({ version: 3, status: 'changed', comparedWith: ['history:v2'] });
  });

  it('BACKWARD_TRANSITIVE from compatibility.json compares with all of them', async () => {
    const report = await validateSchemas({ cwd: project(files('BACKWARD_TRANSITIVE')) });
    expect(rules(report)).toEqual(['field-added-without-default Thing.b vs history:v1']);
    expect(report.findings[0]).toMatchObject({
      file: 'schemas/kafka/thing.avsc',
      schema: 'thing',
      category: 'compatibility',
      direction: 'backward',
    });
    expect(report.schemas[0]?.comparedWith).toEqual(['history:v1', 'history:v2']);
  });

  it('--mode overrides compatibility.json', async () => {
    const report = await validateSchemas({ cwd: project(files('BACKWARD_TRANSITIVE')), mode: 'NONE' });
    expect(report.ok).toBe(true);
    expect(report.modeOverride).toBe('NONE');
  });

  it('config modes (schemas.compatibility) override compatibility.json; --mode overrides both', async () => {
    const root = project(files('NONE'));
    const report = await validateSchemas({ cwd: root, modes: { thing: 'BACKWARD_TRANSITIVE' } });
    expect(rules(report)).toEqual(['field-added-without-default Thing.b vs history:v1']);
    expect(report.schemas[0]).toMatchObject({ mode: 'BACKWARD_TRANSITIVE', modeSource: 'config' });
    const flag = await validateSchemas({ cwd: root, modes: { thing: 'BACKWARD_TRANSITIVE' }, mode: 'NONE' });
    expect(flag.ok).toBe(true);
    expect(flag.schemas[0]).toMatchObject({ mode: 'NONE', modeSource: 'flag' });
    const file = await validateSchemas({ cwd: root });
    expect(file.schemas[0]).toMatchObject({ mode: 'NONE', modeSource: 'file' });
    const fallback = await validateSchemas({ cwd: project(files()) });
    expect(fallback.schemas[0]).toMatchObject({ mode: 'BACKWARD', modeSource: 'default' });
  });

  it('a config mode naming no topic and no schema is a config error', async () => {
    const root = project(files());
    await expect(validateSchemas({ cwd: root, modes: { thnig: 'FULL' } })).rejects.toThrow(
      /schemas\.compatibility: thnig is neither an event topic nor a schema/,
    );
    await expect(validateSchemas({ cwd: root, modes: { thnig: 'FULL' } })).rejects.toBeInstanceOf(
      ConfigError,
    );
    // An event topic whose schema this directory does not hold is not an error.
    const report = await validateSchemas({ cwd: root, modes: { 'conversation.events': 'FULL' } });
    expect(report.schemas[0]).toMatchObject({ mode: 'BACKWARD', modeSource: 'default' });
  });

  it('a bad compatibility.json is an input error', async () => {
    await expect(validateSchemas({ cwd: project(files('SIDEWAYS')) })).rejects.toThrow(InvalidInputError);
  });
});

describe('chooseModes', () => {
  const names = ['conversation_event', 'tool_execution', 'thing'];
  const file = { tool_execution: 'FORWARD', thing: 'FULL' } as const;

  it('maps event topics to their schema; config over file over BACKWARD', () => {
    const modes = chooseModes(names, file, { 'conversation.events': 'FULL_TRANSITIVE', thing: 'NONE' });
    expect(Object.fromEntries(modes)).toEqual({
      conversation_event: { mode: 'FULL_TRANSITIVE', source: 'config' },
      tool_execution: { mode: 'FORWARD', source: 'file' },
      thing: { mode: 'NONE', source: 'config' },
    });
    expect(chooseModes(names, file, { thing: 'NONE' }, 'FULL').get('thing')).toEqual({
      mode: 'FULL',
      source: 'flag',
    });
  });

  it('refuses one schema named by topic and by name with different modes', () => {
    expect(() =>
      chooseModes(names, {}, { 'conversation.events': 'FULL', conversation_event: 'NONE' }),
    ).toThrow(/conversation\.events=FULL and conversation_event=NONE name the same schema/);
    expect(
      chooseModes(names, {}, { 'conversation.events': 'FULL', conversation_event: 'FULL' }).get(
        'conversation_event',
      ),
    ).toEqual({ mode: 'FULL', source: 'config' });
  });
});

describe('validateSchemas: every finding of a broken directory', () => {
  const root = () =>
    project({
      'schemas/kafka/broken.avsc': '{ "type": "record", ',
      'schemas/kafka/invalid.avsc': {
        type: 'record',
        name: 'X',
        namespace: 'n',
        doc: 'd',
        fields: [{ name: 'a', type: 'nope' }],
      },
      'schemas/kafka/sloppy.avsc': {
        type: 'record',
        name: 'sloppy',
        fields: [{ name: 'Opt', type: ['string', 'null'] }],
      },
      'schemas/kafka/good.avsc': schema('Good', { name: 'a', type: 'int' }),
      'CHANGELOG.md': CHANGELOG_EMPTY,
    });

  it('reports parse errors, lint and missing fixtures for every file, not just the first', async () => {
    const dir = root();
    mkdirSync(join(dir, 'fixtures/avro/ghost/v1'), { recursive: true });
    const report = await validateSchemas({ cwd: dir });
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => `${f.file} ${f.rule}${f.path ? ` ${f.path}` : ''}`)).toEqual([
      'schemas/kafka/broken.avsc parse-error',
      'fixtures/avro/good/v1 fixture-missing',
      'schemas/kafka/invalid.avsc parse-error',
      'schemas/kafka/sloppy.avsc namespace-missing sloppy',
      'schemas/kafka/sloppy.avsc name-not-pascal-case sloppy',
      'schemas/kafka/sloppy.avsc doc-missing sloppy',
      'schemas/kafka/sloppy.avsc field-not-camel-case sloppy.Opt',
      'schemas/kafka/sloppy.avsc doc-missing sloppy.Opt',
      'schemas/kafka/sloppy.avsc null-not-first sloppy.Opt',
      'fixtures/avro/sloppy/v1 fixture-missing',
      'fixtures/avro/ghost fixture-orphan',
    ]);
    expect(report.findings[0]?.message).toContain('not valid JSON');
    expect(report.findings[2]?.message).toContain('nope');
    expect(report.schemas.find((s) => s.name === 'broken')?.status).toBe('unparsable');
  });

  it('renders every finding as text, GitHub annotations and JUnit', async () => {
    const report = await validateSchemas({ cwd: root() });
    const text = renderText(report);
    for (const f of report.findings) expect(text).toContain(f.rule);
    const github = renderGithub(report).split('\n');
    expect(github.filter((l) => l.startsWith('::error '))).toHaveLength(report.findings.length);
    expect(github).toContain(
      '::error file=schemas/kafka/sloppy.avsc,title=null-not-first at sloppy.Opt::sloppy.Opt: null is branch 2 of the union: put "null" first so the field can default to null.',
    );
    const junit = renderJunit(report);
    expect(junit).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(junit).toContain('<testsuite name="schemas/kafka/sloppy.avsc" tests="5" failures="1" errors="0">');
    expect(junit).toContain(
      'type="namespace-missing,name-not-pascal-case,doc-missing,field-not-camel-case,null-not-first"',
    );
    expect(junit).toContain('&quot;null&quot; first');
  });
});

describe('validateSchemas: golden fixtures', () => {
  const v1 = schema('Thing', { name: 'a', type: 'int' });
  const v2 = schema('Thing', { name: 'a', type: 'long' });
  it('checks each fixture against its version and reports each problem', async () => {
    const root = project({
      'schemas/kafka/thing.avsc': v2,
      'schemas/kafka/history/thing/v1.avsc': v1,
      'CHANGELOG.md': '## [Unreleased]\n- thing.avsc: a is a long.\n',
    });
    fixture(root, 'thing', 1, 'ok', v1, { a: 1 });
    fixture(root, 'thing', 2, 'ok', v2, { a: 2 });
    fixture(root, 'thing', 2, 'stale', v1, { a: 3 }); // written with v1, filed under v2
    fixture(root, 'thing', 2, 'wrong-json', v2, { a: 4 });
    writeFileSync(join(root, 'fixtures/avro/thing/v2/wrong-json.json'), '{"a": 5}');
    fixture(root, 'thing', 2, 'no-json', v2, { a: 6 });
    execFileSync('rm', [join(root, 'fixtures/avro/thing/v2/no-json.json')]);
    writeFileSync(join(root, 'fixtures/avro/thing/v2/garbage.bin'), Buffer.from('hello'));
    mkdirSync(join(root, 'fixtures/avro/thing/v7'));
    const report = await validateSchemas({ cwd: root });
    expect(
      report.findings.map((f) => `${f.file.replace(/^fixtures\/avro\/thing\//, '')} ${f.rule}`).sort(),
    ).toEqual([
      'v2/garbage.bin fixture-undecodable',
      'v2/no-json.bin fixture-json-missing',
      'v2/stale.bin fixture-fingerprint-mismatch',
      'v2/wrong-json.bin fixture-mismatch',
      'v7 fixture-orphan',
    ]);
    expect(report.schemas[0]).toMatchObject({ version: 2, fixtures: 6, comparedWith: ['history:v1'] });
  });

  it('an explicit fixtures directory must exist; the default may be absent', async () => {
    const root = project({ 'schemas/kafka/thing.avsc': v1 });
    await expect(validateSchemas({ cwd: root, fixturesDir: 'nope' })).rejects.toThrow(NotFoundError);
    const report = await validateSchemas({ cwd: root });
    expect(report.fixturesDir).toBeNull();
    expect(report.notes[0]).toContain('golden fixtures were not checked');
    expect(report.ok).toBe(true);
  });
});

describe('validateSchemas: changelog', () => {
  const v1 = schema('Thing', { name: 'a', type: 'int' });
  const v2 = schema(
    'Thing',
    { name: 'a', type: 'int' },
    { name: 'b', type: ['null', 'string'], default: null },
  );
  const run = (changelog: string | null) =>
    validateSchemas({
      cwd: project({
        'schemas/kafka/thing.avsc': v2,
        'schemas/kafka/history/thing/v1.avsc': v1,
        ...(changelog === null ? {} : { 'CHANGELOG.md': changelog }),
      }),
    });

  it('a changed schema needs its file named under [Unreleased]', async () => {
    expect(rules(await run(CHANGELOG_EMPTY))).toEqual(['changelog-missing']);
    expect(rules(await run(null))).toEqual(['changelog-missing']);
    expect(
      rules(await run('## [Unreleased]\n### Changed\n- `thing.avsc`: optional b.\n## [0.1.0]\n')),
    ).toEqual([]);
  });

  it('a doc-only change is a change too, though the version (fingerprint) stays', async () => {
    const report = await validateSchemas({
      cwd: project({
        'schemas/kafka/thing.avsc': { ...v1, doc: 'Better words.' },
        'schemas/kafka/history/thing/v1.avsc': v1,
        'CHANGELOG.md': CHANGELOG_EMPTY,
      }),
    });
    expect(rules(report)).toEqual(['changelog-missing']);
    expect(report.schemas[0]).toMatchObject({ version: 1, status: 'changed', comparedWith: [] });
  });
});

describe('validateSchemas --against a git ref', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd,
      stdio: 'pipe',
    });
  const v1 = schema('Thing', { name: 'a', type: 'long' }, { name: 'gone', type: 'string' });
  const v2 = schema('Thing', { name: 'a', type: 'int' }, { name: 'extra', type: 'string' });

  function repo(): string {
    const root = project({ 'schemas/kafka/thing.avsc': v1, 'CHANGELOG.md': CHANGELOG_EMPTY });
    git(root, 'init', '-q');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'v1');
    writeFileSync(join(root, 'schemas/kafka/thing.avsc'), JSON.stringify(v2));
    writeFileSync(
      join(root, 'schemas/kafka/other.avsc'),
      JSON.stringify(schema('Other', { name: 'x', type: 'int' })),
    );
    return root;
  }

  it('compares each schema with its version at the ref, under FULL every way', async () => {
    const report = await validateSchemas({ cwd: repo(), against: 'HEAD', mode: 'FULL' });
    expect(rules(report)).toEqual([
      'changelog-missing',
      'changelog-missing',
      'type-changed Thing.a vs git:HEAD',
      'field-added-without-default Thing.extra vs git:HEAD',
      'field-removed-without-default Thing.gone vs git:HEAD',
    ]);
    expect(report.schemas.map((s) => [s.name, s.status, s.comparedWith])).toEqual([
      ['other', 'added', []],
      ['thing', 'changed', ['git:HEAD']],
    ]);
  });

  it('an unchanged schema at the ref is clean', async () => {
    const root = repo();
    writeFileSync(join(root, 'schemas/kafka/thing.avsc'), JSON.stringify(v1, null, 2));
    execFileSync('rm', [join(root, 'schemas/kafka/other.avsc')]);
    const report = await validateSchemas({ cwd: root, against: 'HEAD' });
    expect(report.findings).toEqual([]);
    expect(report.schemas[0]?.status).toBe('unchanged');
  });

  it('a bad ref, or a directory outside git, is an input error', async () => {
    await expect(validateSchemas({ cwd: repo(), against: 'no-such-branch' })).rejects.toThrow(
      /no such git ref/,
    );
    await expect(validateSchemas({ cwd: repo(), against: '--output=x' })).rejects.toThrow(InvalidInputError);
    const plain = project({ 'schemas/kafka/thing.avsc': v1 });
    await expect(validateSchemas({ cwd: plain, against: 'HEAD' })).rejects.toThrow(
      /not inside a git work tree/,
    );
  });
});

describe('validateSchemas: bad input', () => {
  it('a missing directory', async () => {
    await expect(validateSchemas({ dir: '/nonexistent/schemas' })).rejects.toThrow(NotFoundError);
  });
  it('a directory without schemas', async () => {
    await expect(validateSchemas({ cwd: project({ 'schemas/kafka/README.md': 'x' }) })).rejects.toThrow(
      /no \.avsc files/,
    );
  });
});
