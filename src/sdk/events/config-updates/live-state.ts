import { isDeepStrictEqual } from 'node:util';
import { canonicalChecksum, canonicalJson } from '../../canonical-json.js';
import {
  CONFIG_KEYS,
  INVALID,
  InvalidValue,
  type KeyDefinition,
  keyDefinition,
} from '../../config/schema.js';
import { InvalidInputError } from '../../errors.js';
import type { JsonValue } from '../../json.js';

/** A feature flag's value: on or off, optionally for a percentage of units (users, tenants…). */
export interface FeatureFlag {
  readonly enabled: boolean;
  /** Share of units the flag is on for, 0 to 100; absent means all of them when enabled. */
  readonly rollout?: number;
}

/**
 * The live configuration state of one scope: every live key and feature flag set through `config.updates`,
 * in their canonical wire form (durations as text such as `7d`, enums as text, integers and booleans as
 * JSON). Keys not set here keep the value the runtime resolved at start.
 */
export interface LiveState {
  readonly config: Readonly<Record<string, JsonValue>>;
  readonly flags: Readonly<Record<string, FeatureFlag>>;
}

/** What one change is about: a configuration key or a feature flag (the `kind` of a ConfigUpdate). */
export type ChangeKind = 'CONFIG' | 'FEATURE_FLAG';

/** One change in canonical form; `value` null removes the key's live value (or the flag). */
export interface LiveChange {
  readonly kind: ChangeKind;
  readonly key: string;
  readonly value: JsonValue | null;
}

/** The state before any update: nothing set live. */
export const EMPTY_LIVE_STATE: LiveState = Object.freeze({
  config: Object.freeze({}),
  flags: Object.freeze({}),
});

/** Flag names: lowercase words joined by `.`, `_` or `-`, at most 128 characters (e.g. `memory.recall`). */
export const FLAG_NAME = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
const MAX_FLAG_NAME = 128;

/** The configuration keys that can change while the runtime runs (`live: true` in `CONFIG_KEYS`). */
export function liveConfigKeys(): string[] {
  return CONFIG_KEYS.filter((d) => d.live === true).map((d) => d.key);
}

/** Hex SHA-256 of the canonical JSON of a state: the `checksum` of a ConfigUpdate. */
export function stateChecksum(state: LiveState): string {
  return canonicalChecksum(state);
}

/** The canonical JSON text of a state (what Records keeps and snapshots carry). */
export function stateText(state: LiveState): string {
  return canonicalJson(state);
}

/** The state after one change (a new object; `state` is not modified). */
export function applyLiveChange(state: LiveState, change: LiveChange): LiveState {
  const section = change.kind === 'CONFIG' ? 'config' : 'flags';
  const next: Record<string, unknown> = { ...state[section] };
  if (change.value === null) delete next[change.key];
  else next[change.key] = change.value;
  return { ...state, [section]: next } as LiveState;
}

/** The current value of a change's key in `state`, or null when it is not set. */
export function valueInState(state: LiveState, kind: ChangeKind, key: string): JsonValue | null {
  const section = kind === 'CONFIG' ? state.config : state.flags;
  return Object.hasOwn(section, key) ? ((section as Record<string, JsonValue>)[key] ?? null) : null;
}

/**
 * Checks one requested change and returns its canonical form, or a problem naming the key. `raw` is what a
 * person wrote (a config-file value such as `48h`, or for a flag `true` / `{enabled, rollout}`); null
 * removes the live value. Unknown keys, restart-only keys and values that do not fit the key fail.
 */
export function checkChange(
  kind: ChangeKind,
  key: string,
  raw: unknown,
): { change: LiveChange } | { problem: string } {
  if (kind === 'FEATURE_FLAG') {
    const nameProblem = flagNameProblem(key);
    if (nameProblem) return { problem: nameProblem };
    if (raw === null) return { change: { kind, key, value: null } };
    const flag = parseFlag(raw);
    return flag === INVALID
      ? {
          problem: `flag ${key} = ${show(raw)}: expected true, false or {enabled: true|false, rollout: 0-100}`,
        }
      : { change: { kind, key, value: flag as unknown as JsonValue } };
  }
  const definition = keyDefinition(key);
  if (!definition) return { problem: `${key}: unknown configuration key${suggestLive(key)}` };
  if (!definition.live) {
    return {
      problem: `${key} cannot change live (restart-only): set it in the config file or SOMA_* environment and restart; live keys are ${liveConfigKeys().join(', ')}`,
    };
  }
  if (raw === null) return { change: { kind, key, value: null } };
  const parsed = definition.parse(raw, {});
  if (parsed === INVALID || parsed === undefined || parsed instanceof InvalidValue) {
    return { problem: `${key} = ${show(raw)}: expected ${definition.expected}` };
  }
  return { change: { kind, key, value: toWire(definition, parsed) } };
}

/**
 * Checks a change as it arrives on the wire: like {@link checkChange}, and the value must already be in
 * canonical form (what a publisher writes), so that every subscriber computes the same checksum.
 */
export function checkWireChange(
  kind: ChangeKind,
  key: string,
  value: JsonValue | null,
): { change: LiveChange } | { problem: string } {
  const checked = checkChange(kind, key, value);
  if ('problem' in checked) return checked;
  if (!isDeepStrictEqual(checked.change.value, value)) {
    return {
      problem: `${key}: value ${show(value)} is not in canonical form (expected ${show(checked.change.value)})`,
    };
  }
  return checked;
}

/** The typed value of a live key for the runtime's config object (e.g. `7d` → 604800000 ms). */
export function typedValue(key: string, wire: JsonValue): unknown {
  const definition = keyDefinition(key);
  if (!definition) throw new InvalidInputError(`${key}: unknown configuration key`);
  const parsed = definition.parse(wire, {});
  if (parsed === INVALID || parsed instanceof InvalidValue)
    throw new InvalidInputError(`${key} = ${show(wire)}: expected ${definition.expected}`);
  return parsed;
}

/**
 * Parses and checks the canonical JSON text of a state (a Records snapshot). Throws `InvalidInputError`
 * naming what is wrong.
 */
export function parseStateText(text: string): LiveState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`live configuration state is not JSON: ${(error as Error).message}`);
  }
  const object = json as { config?: unknown; flags?: unknown };
  if (!isRecord(object) || !isRecord(object.config) || !isRecord(object.flags)) {
    throw new InvalidInputError('live configuration state must be {"config": {...}, "flags": {...}}');
  }
  let state: LiveState = EMPTY_LIVE_STATE;
  const sections: Array<[ChangeKind, Record<string, unknown>]> = [
    ['CONFIG', object.config],
    ['FEATURE_FLAG', object.flags],
  ];
  for (const [kind, section] of sections) {
    for (const [key, value] of Object.entries(section)) {
      const checked = checkWireChange(kind, key, value as JsonValue);
      if ('problem' in checked) throw new InvalidInputError(`live configuration state: ${checked.problem}`);
      state = applyLiveChange(state, checked.change);
    }
  }
  return state;
}

function toWire(definition: KeyDefinition, parsed: unknown): JsonValue {
  const formatted = definition.format ? definition.format(parsed as never) : parsed;
  return formatted as JsonValue;
}

function parseFlag(raw: unknown): FeatureFlag | typeof INVALID {
  if (typeof raw === 'boolean') return { enabled: raw };
  if (!isRecord(raw)) return INVALID;
  const keys = Object.keys(raw);
  if (typeof raw.enabled !== 'boolean' || keys.some((k) => k !== 'enabled' && k !== 'rollout'))
    return INVALID;
  if (raw.rollout === undefined) return { enabled: raw.enabled };
  const rollout = raw.rollout;
  if (typeof rollout !== 'number' || !Number.isInteger(rollout) || rollout < 0 || rollout > 100)
    return INVALID;
  return { enabled: raw.enabled, rollout };
}

function flagNameProblem(name: string): string | undefined {
  if (name.length > MAX_FLAG_NAME || !FLAG_NAME.test(name)) {
    return `flag ${show(name)}: expected a name of lowercase letters and digits joined by ".", "_" or "-" (at most ${MAX_FLAG_NAME} characters), e.g. memory.recall`;
  }
  return undefined;
}

function suggestLive(key: string): string {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const d of CONFIG_KEYS) {
    const distance = editDistance(lower, d.key.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: d.key, distance };
  }
  return best ? ` (did you mean ${best.key}?)` : '';
}

/** Levenshtein distance (insertions, deletions, substitutions), for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost),
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
