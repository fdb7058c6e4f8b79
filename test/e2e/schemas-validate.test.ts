import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';

/** Writes a temp directory (paths relative to it; objects as JSON) and returns it. */
function tree(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'soma-schemas-e2e-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return root;
}

const doc = (x: object) => ({ doc: 'documented', ...x });
const record = (name: string, fields: object[]) =>
  doc({ type: 'record', name, namespace: 'dev.test', fields: fields.map(doc) });

/** A directory with one unparsable, one invalid and one sloppy schema, and an incompatible change. */
function brokenDir(): string {
  return tree({
    'kafka/unparsable.avsc': '{"type": "record",,}',
    'kafka/sloppy.avsc': {
      type: 'record',
      name: 'sloppy_thing',
      fields: [{ name: 'Maybe', type: ['string', 'null'] }],
    },
    'kafka/changed.avsc': record('Changed', [
      { name: 'a', type: 'int' },
      { name: 'added', type: 'string' },
    ]),
    'kafka/history/changed/v1.avsc': record('Changed', [{ name: 'a', type: 'long' }]),
    'kafka/compatibility.json': { changed: 'FULL' },
    'CHANGELOG.md': '# Changelog\n\n## [Unreleased]\n- changed.avsc: narrowed a, added b.\n',
    'fixtures/.keep': '',
  });
}

// Every --json body is checked against the committed schema, and its top-level keys against their order.
const REPORT_KEYS = [
  'ok',
  'dir',
  'fixturesDir',
  'against',
  'modeOverride',
  'changelog',
  'schemas',
  'findings',
  'summary',
  'notes',
];

describe('somaagent schemas validate', () => {
  it('exits 0 on the shipped schemas; --json matches its committed schema', async () => {
    const result = await runCli(['schemas', 'validate', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(REPORT_KEYS);
    expectMatchesSchema('schemas-validate', body);
    expect(body.ok).toBe(true);
    expect(body.schemas.map((s: { name: string }) => s.name)).toEqual([
      'config_update',
      'conversation_event',
      'tool_execution',
    ]);
    expect(body.summary.fixtures).toBeGreaterThanOrEqual(10);
  });

  it('text output names each schema and says there is nothing to fix', async () => {
    const result = await runCli(['schemas', 'validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('schemas/kafka/conversation_event.avsc v1 (unchanged, BACKWARD');
    expect(result.stdout).toContain('no findings');
  });

  it('exits 1 and lists every violation of a broken directory (--format json = --json)', async () => {
    const dir = brokenDir();
    const result = await runCli(
      ['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures', '--format', 'json'],
      {
        cwd: dir,
      },
    );
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('schemas-validate', body);
    expect(
      body.findings.map(
        (f: { file: string; rule: string; path: string | null }) => `${f.file} ${f.rule} ${f.path ?? '-'}`,
      ),
    ).toEqual([
      'kafka/changed.avsc type-changed Changed.a',
      'kafka/changed.avsc field-added-without-default Changed.added',
      'fixtures/changed/v2 fixture-missing -',
      'kafka/sloppy.avsc namespace-missing sloppy_thing',
      'kafka/sloppy.avsc name-not-pascal-case sloppy_thing',
      'kafka/sloppy.avsc doc-missing sloppy_thing',
      'kafka/sloppy.avsc field-not-camel-case sloppy_thing.Maybe',
      'kafka/sloppy.avsc doc-missing sloppy_thing.Maybe',
      'kafka/sloppy.avsc null-not-first sloppy_thing.Maybe',
      'fixtures/sloppy/v1 fixture-missing -',
      'kafka/unparsable.avsc parse-error -',
    ]);
    expect(body.findings[0]).toMatchObject({ against: 'history:v1', direction: 'backward' });
    const json = await runCli(['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures', '--json'], {
      cwd: dir,
    });
    expect(JSON.parse(json.stdout)).toEqual(body);
  });

  it('text output lists every violation with file, path, rule and explanation', async () => {
    const result = await runCli(['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures'], {
      cwd: brokenDir(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'kafka/changed.avsc Changed.a: type-changed [vs history:v1, new reads old]',
    );
    expect(result.stdout).toContain('type changed from long to int');
    expect(result.stdout).toContain('kafka/unparsable.avsc: parse-error');
    expect(result.stdout).toContain('11 findings.');
  });

  it('--format github prints one ::error annotation per violation', async () => {
    const result = await runCli(
      ['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures', '--format', 'github'],
      {
        cwd: brokenDir(),
      },
    );
    expect(result.code).toBe(1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error '));
    expect(errors).toHaveLength(11);
    expect(errors[0]).toMatch(
      /^::error file=kafka\/changed\.avsc,title=type-changed at Changed\.a::Changed\.a: type changed from long to int/,
    );
  });

  it('--format junit prints JUnit XML with a failure per failed check', async () => {
    const result = await runCli(
      ['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures', '--format', 'junit'],
      {
        cwd: brokenDir(),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="somaagent schemas validate" tests="15" failures="5"/,
    );
    expect(result.stdout).toContain('<testcase classname="changed" name="compatibility (FULL)">');
    expect(result.stdout).toContain('type="type-changed,field-added-without-default"');
    expect(result.stdout.trim().endsWith('</testsuites>')).toBe(true);
  });

  it('--mode overrides compatibility.json for every schema', async () => {
    const result = await runCli(
      ['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures', '--mode', 'FORWARD', '--json'],
      { cwd: brokenDir() },
    );
    const body = JSON.parse(result.stdout);
    const compat = body.findings.filter((f: { category: string }) => f.category === 'compatibility');
    expect(compat).toEqual([]);
    expect(body.modeOverride).toBe('FORWARD');
  });

  it('schemas.compatibility picks a mode per schema or topic over compatibility.json; --mode still wins', async () => {
    const dir = brokenDir();
    const args = ['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures', '--json'];
    const compat = (stdout: string) =>
      JSON.parse(stdout).findings.filter((f: { category: string }) => f.category === 'compatibility');
    const changed = (stdout: string) =>
      JSON.parse(stdout).schemas.find((s: { name: string }) => s.name === 'changed');
    const fromFile = await runCli(args, { cwd: dir });
    expect(compat(fromFile.stdout).length).toBeGreaterThan(0);
    expect(changed(fromFile.stdout)).toMatchObject({ mode: 'FULL', modeSource: 'file' });
    const fromEnv = await runCli(args, {
      cwd: dir,
      env: { SOMA_SCHEMAS_COMPATIBILITY: 'changed=none,conversation.events=FULL' },
    });
    expect(compat(fromEnv.stdout)).toEqual([]);
    expect(changed(fromEnv.stdout)).toMatchObject({ mode: 'NONE', modeSource: 'config' });
    const flag = await runCli([...args, '--set', 'schemas.compatibility=changed=NONE', '--mode', 'FULL'], {
      cwd: dir,
    });
    expect(flag.code).toBe(1);
    expect(compat(flag.stdout).length).toBeGreaterThan(0);
    expect(changed(flag.stdout)).toMatchObject({ mode: 'FULL', modeSource: 'flag' });
  });

  it('exits 2 naming schemas.compatibility for an unknown mode or a name that matches nothing', async () => {
    const dir = brokenDir();
    const args = ['schemas', 'validate', '--dir', 'kafka', '--fixtures', 'fixtures'];
    const mode = await runCli([...args, '--set', 'schemas.compatibility=changed=SIDEWAYS'], { cwd: dir });
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('schemas.compatibility = "changed=SIDEWAYS"');
    const name = await runCli([...args, '--set', 'schemas.compatibility=chagned=FULL'], { cwd: dir });
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('schemas.compatibility: chagned is neither an event topic nor a schema');
    expect(name.stderr).not.toMatch(/\n\s+at /);
  });

  it('--against HEAD compares with the committed version in a git repository', async () => {
    const v1 = record('Thing', [
      { name: 'id', type: 'string' },
      { name: 'color', type: doc({ type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] }) },
    ]);
    const dir = tree({ 'schemas/kafka/thing.avsc': v1, 'CHANGELOG.md': '## [Unreleased]\n' });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: dir,
        stdio: 'pipe',
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'thing v1');
    const v2 = record('Thing', [
      { name: 'id', type: 'bytes' },
      { name: 'color', type: doc({ type: 'enum', name: 'Color', symbols: ['RED'] }) },
    ]);
    writeFileSync(join(dir, 'schemas/kafka/thing.avsc'), JSON.stringify(v2));

    const result = await runCli(['schemas', 'validate', '--against', 'HEAD', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(REPORT_KEYS);
    expectMatchesSchema('schemas-validate', body);
    expect(body.against).toBe('HEAD');
    expect(
      body.findings.map((f: { rule: string; against?: string }) => `${f.rule} ${f.against ?? ''}`.trim()),
    ).toEqual(['changelog-missing', 'enum-symbol-removed git:HEAD']);
    expect(body.schemas[0]).toMatchObject({ status: 'changed', comparedWith: ['git:HEAD'] });

    writeFileSync(join(dir, 'CHANGELOG.md'), '## [Unreleased]\n- thing.avsc: GREEN removed.\n');
    const fixed = await runCli(['schemas', 'validate', '--against', 'HEAD', '--mode', 'FORWARD'], {
      cwd: dir,
    });
    expect(fixed.code).toBe(0);
  });

  it('exits 2 on a missing directory', async () => {
    const result = await runCli(['schemas', 'validate', '--dir', 'no/such/dir'], { cwd: tree({}) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('schema directory');
    expect(result.stderr).toContain('does not exist');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with a JSON error on a bad git ref', async () => {
    const result = await runCli(['schemas', 'validate', '--against', 'no-such-ref-xyz', '--json']);
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('error', body);
    expect(body.error.message).toContain('no such git ref');
  });

  it('--help teaches with examples', async () => {
    const result = await runCli(['schemas', 'validate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('EXAMPLES');
    expect(result.stdout).toContain('--against');
    expect(result.stdout).toContain('FULL_TRANSITIVE');
  });
});
