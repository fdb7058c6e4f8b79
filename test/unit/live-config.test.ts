import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ConfigChangeInput,
  type ConfigUpdate,
  type ConfigUpdateLogLine,
  canonicalChecksum,
  checkChangeSet,
  EMPTY_LIVE_STATE,
  LiveConfig,
  type LiveConfigChange,
  type LiveConfigSnapshot,
  planConfigUpdate,
  resolveConfig,
  stateChecksum,
} from '../../src/sdk/index.js';

const DAY = 86_400_000;
const base = resolveConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'soma-live-')) }).config;

/** A publisher over an in-memory state: what publishConfigUpdate writes, without the database. */
class Publisher {
  snapshot: LiveConfigSnapshot = {
    version: 0,
    state: EMPTY_LIVE_STATE,
    checksum: stateChecksum(EMPTY_LIVE_STATE),
  };
  publish(input: ConfigChangeInput, tenant: string | null = null): ConfigUpdate[] {
    const { plan, events } = planConfigUpdate(checkChangeSet(input), this.snapshot, { tenant });
    this.snapshot = { version: plan.toVersion, state: plan.state, checksum: plan.checksum };
    return events;
  }
}

let lines: ConfigUpdateLogLine[];
let changes: LiveConfigChange[];
let publisher: Publisher;
let live: LiveConfig;

beforeEach(() => {
  lines = [];
  changes = [];
  publisher = new Publisher();
  live = new LiveConfig(base, { log: (line) => lines.push(line) });
  live.onChange((change) => changes.push(change));
});

const rejections = () => lines.filter((l) => l.event === 'config_update_rejected');

/** Asserts the update was rejected for `reason`, logged with its version, and nothing changed. */
function expectRejected(update: ConfigUpdate, reason: string): void {
  const before = live.current;
  const outcome = live.apply(update);
  expect(outcome).toMatchObject({ status: 'rejected', reason });
  expect(live.current).toBe(before);
  const line = rejections().at(-1);
  expect(line).toMatchObject({ reason, version: update.version ?? null, runningVersion: before.version });
  expect(line?.message).toContain(`config update rejected (${reason})`);
}

describe('LiveConfig: applying', () => {
  it('applies a valid change set as a new frozen config and tells listeners which keys changed', () => {
    const before = live.current;
    const [first, second] = publisher.publish({
      config: { 'log.level': 'debug', 'retention.sessions': '48h' },
    });
    // The first event of the set is buffered: nothing visible changes yet.
    expect(live.apply(first as ConfigUpdate)).toMatchObject({ status: 'buffered', version: 1 });
    expect(live.current).toBe(before);
    expect(changes).toEqual([]);
    expect(live.apply(second as ConfigUpdate).status).toBe('applied');

    expect(live.version).toBe(2);
    expect(live.current).not.toBe(before);
    expect(live.current.config.log.level).toBe('debug');
    expect(live.current.config.retention.sessions).toBe(2 * DAY);
    expect(live.current.config.redis.url).toBe(base.redis.url);
    expect(before.config.log.level).toBe('info');
    expect(Object.isFrozen(live.current.config.retention)).toBe(true);
    expect(Object.isFrozen(live.current)).toBe(true);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      version: 2,
      previousVersion: 0,
      keys: ['log.level', 'retention.sessions'],
      flags: [],
    });
    expect(changes[0]?.checksum).toBe(
      canonicalChecksum({ config: { 'log.level': 'debug', 'retention.sessions': '2d' }, flags: {} }),
    );
    expect(lines.find((l) => l.event === 'config_update_applied')).toMatchObject({
      level: 'info',
      version: 2,
      runningVersion: 2,
    });
  });

  it('applies flags, and a removal returns the key to the value resolved at start', () => {
    for (const e of publisher.publish({
      config: { 'log.level': 'error' },
      flags: { 'memory.recall': { enabled: true, rollout: 5 } },
    }))
      live.apply(e);
    expect(live.flag('memory.recall')).toEqual({ enabled: true, rollout: 5 });
    expect(live.current.config.log.level).toBe('error');
    for (const e of publisher.publish({ config: { 'log.level': null }, flags: { 'memory.recall': null } }))
      live.apply(e);
    expect(live.version).toBe(4);
    expect(live.current.config.log.level).toBe(base.log.level);
    expect(live.flag('memory.recall')).toBeUndefined();
    expect(changes.map((c) => [c.keys, c.flags])).toEqual([
      [['log.level'], ['memory.recall']],
      [['log.level'], ['memory.recall']],
    ]);
    expect(live.stats()).toEqual({ applied: 2, rejected: {} });
  });

  it('ignores other tenants, and a tenant subscriber follows only its own scope', () => {
    const [other] = publisher.publish({ config: { 'log.level': 'warn' } }, 'acme');
    expect(live.apply(other as ConfigUpdate)).toEqual({ status: 'ignored', tenant: 'acme' });
    expect(live.version).toBe(0);
    const acme = new LiveConfig(base, { tenant: 'acme', log: () => {} });
    expect(acme.apply(other as ConfigUpdate).status).toBe('applied');
    expect(acme.current.config.log.level).toBe('warn');
  });

  it('keeps going when a listener throws, and logs it', () => {
    live.onChange(() => {
      throw new Error('listener bug');
    });
    for (const e of publisher.publish({ config: { 'log.level': 'warn' } })) live.apply(e);
    expect(live.current.config.log.level).toBe('warn');
    expect(lines.find((l) => l.event === 'config_listener_failed')?.message).toContain('listener bug');
  });
});

describe('LiveConfig: rejections leave the running config as it was', () => {
  it('stale: a version that is not newer (re-delivery)', () => {
    const [first] = publisher.publish({ config: { 'log.level': 'warn' } });
    live.apply(first as ConfigUpdate);
    expectRejected(first as ConfigUpdate, 'stale');
    expect(rejections().at(-1)?.level).toBe('warn');
    expect(live.current.config.log.level).toBe('warn');
  });

  it('stale at debug level for versions covered by the starting snapshot', () => {
    const events = [
      ...publisher.publish({ config: { 'log.level': 'warn' } }),
      ...publisher.publish({ flags: { a: true } }),
    ];
    live = new LiveConfig(base, { initial: publisher.snapshot, log: (line) => lines.push(line) });
    expect(live.current.config.log.level).toBe('warn');
    for (const e of events) expectRejected(e, 'stale');
    expect(rejections().map((l) => l.level)).toEqual(['debug', 'debug']);
  });

  it('out-of-order: a gap is rejected and waits; the missing version then applies, then the later one', () => {
    const [v1] = publisher.publish({ config: { 'log.level': 'warn' } });
    const [v2] = publisher.publish({ config: { 'log.level': 'error' } });
    expectRejected(v2 as ConfigUpdate, 'out-of-order');
    expect(rejections().at(-1)?.expectedVersion).toBe(1);
    expect(live.apply(v1 as ConfigUpdate).status).toBe('applied');
    expect(live.apply(v2 as ConfigUpdate).status).toBe('applied');
    expect(live.current.config.log.level).toBe('error');
  });

  it('checksum-mismatch: the state it leads to hashes differently', () => {
    const [v1] = publisher.publish({ config: { 'log.level': 'warn' } });
    expectRejected({ ...(v1 as ConfigUpdate), checksum: 'ab'.repeat(32) }, 'checksum-mismatch');
    // A runtime whose state differs from the publisher's (here: started from a wrong snapshot) refuses too.
    const [v2] = publisher.publish({ config: { 'retention.audit': '30d' } });
    expect(live.apply(v1 as ConfigUpdate).status).toBe('applied');
    expectRejected({ ...(v2 as ConfigUpdate), value: '"31d"' }, 'checksum-mismatch');
    expect(live.apply(v2 as ConfigUpdate).status).toBe('applied');
  });

  it('malformed: broken protocol fields and undecodable messages', () => {
    const [v1] = publisher.publish({ config: { 'log.level': 'warn' } });
    const good = v1 as ConfigUpdate;
    expectRejected({ ...good, version: 0 }, 'malformed');
    expectRejected({ ...good, version: 1.5 }, 'malformed');
    expectRejected({ ...good, previousVersion: 7 }, 'malformed');
    expectRejected({ ...good, checksum: 'XYZ' }, 'malformed');
    expectRejected({ ...good, kind: 'UNKNOWN' }, 'malformed');
    expectRejected({ ...good, value: '{not json' }, 'malformed');
    expectRejected({ ...good, metadata: { ...good.metadata, changeSetIndex: '3' } }, 'malformed');
    expectRejected({ ...good, metadata: { changeSet: 'x' } }, 'malformed');
    expect(
      live.rejectUndecodable('undecodable (unknown-framing): bad bytes', { source: 't[0]@5' }),
    ).toMatchObject({
      status: 'rejected',
      reason: 'malformed',
    });
    expect(rejections().at(-1)).toMatchObject({ version: null, source: 't[0]@5' });
    expect(live.stats().rejected.malformed).toBe(9);
    expect(live.apply(good).status).toBe('applied');
  });

  it('invalid: a key this runtime cannot change live, a bad value, a value not in canonical form', () => {
    const [v1] = publisher.publish({ config: { 'log.level': 'warn' } });
    const good = v1 as ConfigUpdate;
    const restartOnly = { config: { 'server.port': 8080 }, flags: {} };
    expectRejected(
      { ...good, key: 'server.port', value: '8080', checksum: canonicalChecksum(restartOnly) },
      'invalid',
    );
    expect(rejections().at(-1)?.message).toContain('server.port cannot change live');
    const loud = { config: { 'log.level': 'loud' }, flags: {} };
    expectRejected({ ...good, value: '"loud"', checksum: canonicalChecksum(loud) }, 'invalid');
    const hours = { config: { 'retention.sessions': '48h' }, flags: {} };
    expectRejected(
      { ...good, key: 'retention.sessions', value: '"48h"', checksum: canonicalChecksum(hours) },
      'invalid',
    );
    expect(rejections().at(-1)?.message).toContain('not in canonical form (expected "2d")');
    expectRejected({ ...good, kind: 'FEATURE_FLAG', key: 'memory.recall', value: 'true' }, 'invalid');
    expect(live.current.config.log.level).toBe('info');
  });

  it('incomplete: a change set interrupted by another one is dropped whole', () => {
    const [a1] = publisher.publish({ config: { 'log.level': 'warn', 'retention.audit': '10d' } });
    expect(live.apply(a1 as ConfigUpdate).status).toBe('buffered');
    // Another publisher's set at the version the first set's second part should have had.
    const rival = new Publisher();
    rival.snapshot = {
      version: 1,
      state: { config: { 'log.level': 'warn' }, flags: {} },
      checksum: (a1 as ConfigUpdate).checksum,
    };
    const [b2] = rival.publish({ flags: { x: true } });
    expectRejected(b2 as ConfigUpdate, 'out-of-order');
    const reasons = rejections().map((l) => l.reason);
    expect(reasons).toEqual(['incomplete', 'out-of-order']);
    expect(live.version).toBe(0);
    expect(live.current.config.log.level).toBe('info');
    expect(changes).toEqual([]);
  });
});

describe('LiveConfig: snapshots', () => {
  it('resync installs a newer verified snapshot; older or corrupt ones are refused', () => {
    publisher.publish({ config: { 'log.level': 'warn' } });
    const [v2] = publisher.publish({ config: { 'retention.vectors': '30d' } });
    expectRejected(v2 as ConfigUpdate, 'out-of-order');
    expect(live.resync({ ...publisher.snapshot, checksum: '00'.repeat(32) })).toBe(false);
    expect(lines.at(-1)).toMatchObject({ event: 'config_snapshot_rejected', level: 'error' });
    expect(live.resync(publisher.snapshot)).toBe(true);
    expect(live.version).toBe(2);
    expect(live.current.config.retention.vectors).toBe(30 * DAY);
    expect(changes.at(-1)).toMatchObject({ changeSet: null, keys: ['log.level', 'retention.vectors'] });
    expect(live.resync(publisher.snapshot)).toBe(false);
    expect(live.apply(v2 as ConfigUpdate)).toMatchObject({ status: 'rejected', reason: 'stale' });
    expect(rejections().at(-1)?.level).toBe('debug');
  });

  it('refuses to start from a snapshot whose checksum does not match', () => {
    expect(
      () =>
        new LiveConfig(base, { initial: { version: 3, state: EMPTY_LIVE_STATE, checksum: 'ff'.repeat(32) } }),
    ).toThrow(/does not match its checksum/);
  });
});
