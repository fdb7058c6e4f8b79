import { canonicalJson } from '../../canonical-json.js';
import { InvalidInputError } from '../../errors.js';
import type { Redactor } from '../redaction/pii-types.js';
import { type ChangeKind, checkChange, type LiveChange } from './live-state.js';

/**
 * Requested changes, as a person writes them: `config` maps dotted live keys to a value in config-file
 * form (`log.level: debug`, `retention.sessions: 48h`), `flags` maps flag names to `true`, `false` or
 * `{enabled, rollout}`. A null value removes the live value (the key returns to what the runtime resolved
 * at start) or the flag.
 */
export interface ConfigChangeInput {
  readonly config?: Readonly<Record<string, unknown>>;
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** One problem of a change set: the key it is about, where it was written (file line) and what is wrong. */
export interface ChangeProblem {
  readonly key: string;
  readonly line?: number;
  readonly message: string;
}

/** Where each change was written, for messages (a file's line numbers). */
export type ChangeLocator = (kind: ChangeKind, key: string) => number | undefined;

/**
 * Checks every change of `input` against the configuration schema and returns them in canonical form
 * (configuration keys first, then flags, each in input order). Every problem is collected: unknown keys,
 * restart-only keys, values that do not fit, flags with a bad name or value, values that look like personal
 * data (`redactor`), and an empty change set; they are thrown together as one `InvalidInputError` whose
 * message names each key (and line, with `locate`), with `details.problems`.
 */
export function checkChangeSet(
  input: ConfigChangeInput,
  options: { redactor?: Redactor; locate?: ChangeLocator; source?: string } = {},
): LiveChange[] {
  const problems: ChangeProblem[] = [];
  const changes: LiveChange[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('a config change set must be an object {config?: {...}, flags?: {...}}');
  }
  const sections: Array<[ChangeKind, unknown]> = [
    ['CONFIG', input.config],
    ['FEATURE_FLAG', input.flags],
  ];
  for (const [kind, section] of sections) {
    if (section === undefined) continue;
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      problems.push({
        key: kind === 'CONFIG' ? 'config' : 'flags',
        message: `${kind === 'CONFIG' ? 'config' : 'flags'} must be a mapping of names to values`,
      });
      continue;
    }
    for (const [key, raw] of Object.entries(section)) {
      const line = options.locate?.(kind, key);
      const at = line === undefined ? {} : { line };
      const checked = checkChange(kind, key, raw);
      if ('problem' in checked) {
        problems.push({ key, ...at, message: checked.problem });
        continue;
      }
      const pii = personalDataIn(checked.change, options.redactor);
      if (pii) {
        problems.push({
          key,
          ...at,
          message: `${key}: the value looks like personal data (${pii}); configuration values must not carry any`,
        });
        continue;
      }
      changes.push(checked.change);
    }
  }
  if (problems.length === 0 && changes.length === 0) {
    problems.push({ key: '', message: 'no changes: give at least one live key or flag' });
  }
  if (problems.length > 0) {
    const source = options.source ? `${options.source}: ` : '';
    const lines = problems.map((p) => `${p.line === undefined ? '' : `line ${p.line}: `}${p.message}`);
    throw new InvalidInputError(
      `${source}invalid config change${problems.length > 1 ? 's' : ''}:\n  - ${lines.join('\n  - ')}`,
      {
        hint: 'Live keys and flag forms are listed in docs/config-updates.md; restart-only keys go in the config file.',
        details: { problems: problems.map((p) => ({ ...p })) },
      },
    );
  }
  return changes;
}

function personalDataIn(change: LiveChange, redactor: Redactor | undefined): string | undefined {
  if (!redactor || change.value === null) return undefined;
  const findings = redactor.findings(canonicalJson(change.value));
  return findings.length > 0 ? [...new Set(findings.map((f) => f.type))].join(', ') : undefined;
}
