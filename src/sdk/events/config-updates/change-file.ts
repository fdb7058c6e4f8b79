import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { keyDefinition } from '../../config/schema.js';
import { fileReadProblem, InvalidInputError, NotFoundError } from '../../errors.js';
import type { Redactor } from '../redaction/pii-types.js';
import { type ConfigChangeInput, checkChangeSet } from './change-set.js';
import type { ChangeKind, LiveChange } from './live-state.js';

/** A change file, read and checked. */
export interface ConfigChangeFile {
  readonly path: string;
  /** What the file asks for, as {@link publishConfigUpdate} takes it. */
  readonly input: ConfigChangeInput;
  /** The changes in canonical form. */
  readonly changes: readonly LiveChange[];
}

/** Section of a change file holding feature flags; every other top-level entry is configuration. */
const FLAGS_SECTION = 'flags';

/**
 * Reads a change file (YAML, or JSON which is YAML too): live configuration keys written as in
 * `somaagent.config.yaml` (dotted `log.level: debug` or nested `retention: {sessions: 48h}`), and feature flags
 * under `flags:` by full name (`memory.recall: true` or `{enabled: true, rollout: 25}`); null removes a live
 * value or a flag. A file that does not parse, repeats a key or holds a bad key or value is one
 * `InvalidInputError` naming the file, line and key of every problem.
 */
export function readConfigChangeFile(path: string, options: { redactor?: Redactor } = {}): ConfigChangeFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NotFoundError(`change file ${path} ${fileReadProblem(error)}`, {
      hint: 'Pass the path of a YAML or JSON file of live keys and flags.',
    });
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const at = error.linePos?.[0];
      const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
      return { line: at?.line, column: at?.col, message };
    });
    throw new InvalidInputError(
      `${path} is not valid YAML/JSON:\n  - ${problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join('\n  - ')}`,
      { hint: 'Fix the syntax at the line shown.', details: { problems } },
    );
  }
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  const root = document.contents;
  if (!isMap(root)) {
    throw new InvalidInputError(
      `${path}${root ? ` line ${lineOf(root)}` : ''}: expected a mapping of live keys to values (and flags: {...})`,
      { hint: 'Write one key per line, e.g. `log.level: debug`.' },
    );
  }

  const config: Record<string, unknown> = {};
  const flags: Record<string, unknown> = {};
  const where = new Map<string, number | undefined>();
  const problems: Array<{ key: string; line?: number; message: string }> = [];
  const keyText = (node: unknown): string | undefined =>
    isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')
      ? String(node.value)
      : undefined;

  const addConfig = (map: typeof root, prefix: string) => {
    for (const pair of map.items) {
      const name = keyText(pair.key);
      const line = lineOf(pair.key as Node);
      if (name === undefined) {
        problems.push({ key: '?', line, message: 'keys must be text' });
        continue;
      }
      const key = prefix ? `${prefix}.${name}` : name;
      if (!prefix && key === FLAGS_SECTION) {
        addFlags(pair.value as Node | null, line);
        continue;
      }
      if (isMap(pair.value) && !keyDefinition(key)) {
        addConfig(pair.value, key);
        continue;
      }
      if (Object.hasOwn(config, key)) {
        problems.push({ key, line, message: `${key} is given twice` });
        continue;
      }
      config[key] = (pair.value as Node | null)?.toJSON() ?? null;
      where.set(`CONFIG\u0000${key}`, line);
    }
  };
  const addFlags = (node: Node | null, line: number | undefined) => {
    if (node === null || !isMap(node)) {
      problems.push({
        key: FLAGS_SECTION,
        line,
        message: 'flags must map flag names to true, false or {enabled, rollout}',
      });
      return;
    }
    for (const pair of node.items) {
      const name = keyText(pair.key);
      const at = lineOf(pair.key as Node);
      if (name === undefined) {
        problems.push({ key: '?', line: at, message: 'flag names must be text' });
        continue;
      }
      flags[name] = (pair.value as Node | null)?.toJSON() ?? null;
      where.set(`FEATURE_FLAG\u0000${name}`, at);
    }
  };
  addConfig(root, '');
  if (problems.length > 0) {
    throw new InvalidInputError(
      `${path}: invalid config change${problems.length > 1 ? 's' : ''}:\n  - ${problems.map((p) => `line ${p.line}: ${p.message}`).join('\n  - ')}`,
      { hint: 'Write each live key once; flags go under `flags:`.', details: { problems } },
    );
  }
  const input: ConfigChangeInput = { config, flags };
  const changes = checkChangeSet(input, {
    redactor: options.redactor,
    source: path,
    locate: (kind: ChangeKind, key: string) => where.get(`${kind}\u0000${key}`),
  });
  return { path, input, changes };
}
