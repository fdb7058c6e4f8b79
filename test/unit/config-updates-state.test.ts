import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHANGE_SET_METADATA,
  CONFIG_KEYS,
  canonicalChecksum,
  canonicalJson,
  checkChangeSet,
  createRedactor,
  EMPTY_LIVE_STATE,
  InvalidInputError,
  type LiveChange,
  liveConfigKeys,
  planConfigUpdate,
  readConfigChangeFile,
  type SomaError,
  stateChecksum,
} from '../../src/sdk/index.js';
import { ROOT } from '../support/cli.js';

const EMPTY = { version: 0, state: EMPTY_LIVE_STATE, checksum: stateChecksum(EMPTY_LIVE_STATE) };

function invalid(work: () => unknown): InvalidInputError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('canonical JSON and checksums', () => {
  it('sorts keys at every depth and drops whitespace, so equal values hash alike', () => {
    const a = { flags: { b: { rollout: 5, enabled: true } }, config: { 'log.level': 'debug', a: [1, 'x'] } };
    const b = { config: { a: [1, 'x'], 'log.level': 'debug' }, flags: { b: { enabled: true, rollout: 5 } } };
    expect(canonicalJson(a)).toBe(
      '{"config":{"a":[1,"x"],"log.level":"debug"},"flags":{"b":{"enabled":true,"rollout":5}}}',
    );
    expect(canonicalChecksum(a)).toBe(canonicalChecksum(b));
    expect(canonicalChecksum(a)).toBe(createHash('sha256').update(canonicalJson(b)).digest('hex'));
    // Array order is meaningful.
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('checksums the empty state as the SHA-256 of {"config":{},"flags":{}}', () => {
    expect(stateChecksum(EMPTY_LIVE_STATE)).toBe(
      createHash('sha256').update('{"config":{},"flags":{}}').digest('hex'),
    );
  });

  it('refuses values that are not JSON', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, undefined, () => 1, new Date(0), { x: 1n }]) {
      invalid(() => canonicalJson(bad));
    }
  });
});

describe('checkChangeSet', () => {
  it('canonicalises live keys and flags', () => {
    const changes = checkChangeSet({
      config: { 'log.level': 'debug', 'retention.sessions': '48h', 'retention.audit': null },
      flags: { 'memory.recall': true, 'tools.web-search': { enabled: true, rollout: 25 }, old: null },
    });
    expect(changes).toEqual([
      { kind: 'CONFIG', key: 'log.level', value: 'debug' },
      { kind: 'CONFIG', key: 'retention.sessions', value: '2d' },
      { kind: 'CONFIG', key: 'retention.audit', value: null },
      { kind: 'FEATURE_FLAG', key: 'memory.recall', value: { enabled: true } },
      { kind: 'FEATURE_FLAG', key: 'tools.web-search', value: { enabled: true, rollout: 25 } },
      { kind: 'FEATURE_FLAG', key: 'old', value: null },
    ]);
  });

  it('names every unknown key, bad value and restart-only key in one InvalidInputError', () => {
    const error = invalid(() =>
      checkChangeSet({
        config: {
          'log.levle': 'debug',
          'retention.sessions': 'forever',
          'redis.url': 'redis://x:1',
          dataDir: '/x',
        },
        flags: { 'Bad Name': true, 'memory.recall': 'yes', 'x.y': { enabled: true, rollout: 101 } },
      }),
    );
    expect(error.message).toContain('log.levle: unknown configuration key (did you mean log.level?)');
    expect(error.message).toContain('retention.sessions = "forever": expected a duration');
    expect(error.message).toContain('redis.url cannot change live (restart-only)');
    expect(error.message).toContain('dataDir cannot change live (restart-only)');
    expect(error.message).toContain('flag "Bad Name"');
    expect(error.message).toContain('flag memory.recall = "yes"');
    expect(error.message).toContain('flag x.y = {"enabled":true,"rollout":101}');
    const keys = ((error.details?.problems ?? []) as Array<{ key: string }>).map((p) => p.key);
    expect(keys).toEqual([
      'log.levle',
      'retention.sessions',
      'redis.url',
      'dataDir',
      'Bad Name',
      'memory.recall',
      'x.y',
    ]);
  });

  it('refuses an empty change set and a value that looks like personal data', () => {
    expect(invalid(() => checkChangeSet({})).message).toContain('no changes');
    expect(invalid(() => checkChangeSet({ config: [] as never })).message).toContain(
      'config must be a mapping',
    );
    // No value of today's live keys can hold personal data; a deployment's own pattern shows the check works.
    const redactor = createRedactor({ extraPatterns: [{ type: 'EMPLOYEE_ID', pattern: /\bdebug\b/ }] });
    expect(
      invalid(() => checkChangeSet({ config: { 'log.level': 'debug' } }, { redactor })).message,
    ).toContain('log.level: the value looks like personal data (EMPLOYEE_ID)');
    expect(checkChangeSet({ config: { 'log.level': 'info' } }, { redactor })).toHaveLength(1);
  });

  it('marks exactly the documented keys live; the rest are restart-only', () => {
    expect(liveConfigKeys()).toEqual([
      'retention.sessions',
      'retention.vectors',
      'retention.audit',
      'retention.objects',
      'log.level',
    ]);
    const lines = readFileSync(join(ROOT, 'docs/config-updates.md'), 'utf8').split('\n');
    // The key table only: from its header to the first line that is not a table row.
    const start = lines.findIndex((line) => line.startsWith('| key '));
    const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
    const table = lines.slice(start, end);
    for (const definition of CONFIG_KEYS) {
      const row = table.find((line) => line.startsWith(`| \`${definition.key}\``));
      expect(row, `docs/config-updates.md lists ${definition.key}`).toBeDefined();
      expect(row).toContain(definition.live ? '| live' : '| restart');
    }
  });
});

describe('planConfigUpdate', () => {
  const changes: LiveChange[] = [
    { kind: 'CONFIG', key: 'log.level', value: 'debug' },
    { kind: 'FEATURE_FLAG', key: 'memory.recall', value: { enabled: true } },
  ];

  it('numbers each change from the current version and links the events into one change set', () => {
    const { plan, events } = planConfigUpdate(changes, EMPTY, { changedBy: 'op_1', reason: 'incident 7' });
    expect(plan).toMatchObject({ scope: 'deployment', fromVersion: 0, toVersion: 2, dryRun: false });
    expect(events.map((e) => [e.version, e.previousVersion, e.key, e.value])).toEqual([
      [1, null, 'log.level', '"debug"'],
      [2, 1, 'memory.recall', '{"enabled":true}'],
    ]);
    expect(events[0]?.checksum).toBe(canonicalChecksum({ config: { 'log.level': 'debug' }, flags: {} }));
    expect(events[1]?.checksum).toBe(plan.checksum);
    expect(plan.checksum).toBe(stateChecksum(plan.state));
    expect(events.map((e) => e.metadata)).toEqual([
      {
        [CHANGE_SET_METADATA.id]: plan.changeSet,
        [CHANGE_SET_METADATA.size]: '2',
        [CHANGE_SET_METADATA.index]: '1',
      },
      {
        [CHANGE_SET_METADATA.id]: plan.changeSet,
        [CHANGE_SET_METADATA.size]: '2',
        [CHANGE_SET_METADATA.index]: '2',
      },
    ]);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);

    const next = planConfigUpdate(
      [{ kind: 'CONFIG', key: 'log.level', value: 'warn' }],
      { version: plan.toVersion, state: plan.state, checksum: plan.checksum },
      { tenant: 'acme' },
    );
    expect(next.plan.scope).toBe('tenant:acme');
    expect(next.events[0]).toMatchObject({
      version: 3,
      previousVersion: 2,
      previousValue: '"debug"',
      tenantId: 'acme',
    });
  });

  it('skips changes already in effect and produces no event when nothing changes', () => {
    const first = planConfigUpdate(changes, EMPTY).plan;
    const again = planConfigUpdate(changes, { version: 2, state: first.state, checksum: first.checksum });
    expect(again.events).toEqual([]);
    expect(again.plan).toMatchObject({
      fromVersion: 2,
      toVersion: 2,
      changeSet: null,
      checksum: first.checksum,
    });
    expect(again.plan.unchanged).toEqual([
      { kind: 'CONFIG', key: 'log.level' },
      { kind: 'FEATURE_FLAG', key: 'memory.recall' },
    ]);
  });

  it('a dry run plans versions and checksum without events', () => {
    const { plan, events } = planConfigUpdate(changes, EMPTY, {}, true);
    expect(events).toEqual([]);
    expect(plan.changes.map((c) => [c.version, c.eventId])).toEqual([
      [1, null],
      [2, null],
    ]);
  });

  it('refuses a stale expected version, reserved metadata and a bad actor', () => {
    const conflict = (() => {
      try {
        planConfigUpdate(changes, EMPTY, { expectVersion: 3 });
      } catch (error) {
        return error as SomaError;
      }
    })();
    expect(conflict?.code).toBe('CONFIG_VERSION_CONFLICT');
    invalid(() => planConfigUpdate(changes, EMPTY, { metadata: { [CHANGE_SET_METADATA.id]: 'x' } }));
    invalid(() => planConfigUpdate(changes, EMPTY, { changedBy: 'a\nb' }));
    invalid(() => planConfigUpdate(changes, EMPTY, { reason: 'x'.repeat(2000) }));
  });
});

describe('readConfigChangeFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soma-config-change-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads dotted and nested keys and a flags section, in YAML and JSON', () => {
    const yaml = readConfigChangeFile(
      file(
        'a.yaml',
        'log.level: warn\nretention:\n  sessions: 12h\nflags:\n  memory.recall: {enabled: true, rollout: 10}\n',
      ),
    );
    expect(yaml.changes).toEqual([
      { kind: 'CONFIG', key: 'log.level', value: 'warn' },
      { kind: 'CONFIG', key: 'retention.sessions', value: '12h' },
      { kind: 'FEATURE_FLAG', key: 'memory.recall', value: { enabled: true, rollout: 10 } },
    ]);
    const json = readConfigChangeFile(file('a.json', '{"log": {"level": "error"}, "flags": {"x": false}}'));
    expect(json.changes).toEqual([
      { kind: 'CONFIG', key: 'log.level', value: 'error' },
      { kind: 'FEATURE_FLAG', key: 'x', value: { enabled: false } },
    ]);
  });

  it('names the line and key of each bad entry', () => {
    const path = file(
      'bad.yaml',
      '# change\nlog.level: loud\nserver.port: 80\nflags:\n  memory.recall: maybe\n',
    );
    const error = invalid(() => readConfigChangeFile(path));
    expect(error.message).toContain(path);
    expect(error.message).toContain('line 2: log.level = "loud": expected one of debug, info, warn, error');
    expect(error.message).toContain('line 3: server.port cannot change live');
    expect(error.message).toContain('line 5: flag memory.recall = "maybe"');
  });

  it('names the line of a syntax error, a repeated key and a non-mapping document', () => {
    expect(
      invalid(() => readConfigChangeFile(file('syntax.json', '{\n  "log.level": "debug",\n  "x": [1,\n}')))
        .message,
    ).toMatch(/not valid YAML\/JSON:\n {2}- line \d+, column \d+: /);
    expect(
      invalid(() => readConfigChangeFile(file('dup.yaml', 'log.level: debug\nlog.level: info\n'))).message,
    ).toContain('line 2, column 1: Map keys must be unique');
    expect(
      invalid(() => readConfigChangeFile(file('twice.yaml', 'log.level: debug\nlog:\n  level: info\n')))
        .message,
    ).toContain('line 3: log.level is given twice');
    expect(invalid(() => readConfigChangeFile(file('list.yaml', '- log.level\n'))).message).toContain(
      'expected a mapping of live keys',
    );
    expect(invalid(() => readConfigChangeFile(file('empty.yaml', ''))).message).toContain(
      'expected a mapping',
    );
    expect(() => readConfigChangeFile(join(dir, 'missing.yaml'))).toThrow(
      /change file .*missing.yaml does not exist/,
    );
  });
});
