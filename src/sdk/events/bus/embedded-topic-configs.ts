import { InvalidInputError } from '../../errors.js';

/**
 * Topic configs the embedded event log understands, with Kafka's names and defaults so retention checks
 * read both adapters alike. `retention.bytes` is stored and reported but not enforced.
 */
export const EMBEDDED_TOPIC_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'delete',
  'delete.retention.ms': '86400000',
  'max.message.bytes': '1048588',
  'retention.bytes': '-1',
  'retention.ms': '604800000',
});

const INTEGER = /^-?(0|[1-9][0-9]{0,17})$/;

function checkValue(topic: string, name: string, value: string): string {
  const bad = (expected: string) =>
    new InvalidInputError(`topic ${topic}: invalid ${name} ${JSON.stringify(value)}`, {
      hint: `Use ${expected}.`,
    });
  switch (name) {
    case 'cleanup.policy': {
      const parts = value.split(',').map((p) => p.trim());
      if (parts.length === 0 || parts.length > 2 || new Set(parts).size !== parts.length) {
        throw bad('delete, compact or compact,delete');
      }
      if (!parts.every((p) => p === 'delete' || p === 'compact'))
        throw bad('delete, compact or compact,delete');
      return parts.join(',');
    }
    case 'retention.ms':
    case 'retention.bytes':
      if (!INTEGER.test(value) || Number(value) < -1) throw bad('an integer, or -1 for unlimited');
      return value;
    case 'delete.retention.ms':
    case 'max.message.bytes':
      if (!INTEGER.test(value) || Number(value) < 0) throw bad('a non-negative integer');
      return value;
    default:
      throw new InvalidInputError(`topic ${topic}: unknown config ${JSON.stringify(name)}`, {
        hint: `The embedded event log knows ${Object.keys(EMBEDDED_TOPIC_DEFAULTS).join(', ')}.`,
      });
  }
}

/** Checks explicit configs (names and values); returns them normalised. */
export function checkTopicConfigs(
  topic: string,
  configs: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) out[name] = checkValue(topic, name, value);
  return out;
}

/** Applies a change (null resets a config to its default) to the explicit configs of a topic. */
export function mergeTopicConfigs(
  topic: string,
  current: Readonly<Record<string, string>>,
  change: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [name, value] of Object.entries(change)) {
    if (value === null) {
      checkValue(topic, name, EMBEDDED_TOPIC_DEFAULTS[name] ?? '');
      delete next[name];
    } else if (typeof value === 'string') {
      next[name] = checkValue(topic, name, value);
    } else {
      throw new InvalidInputError(`topic ${topic}: config ${name} must be a string or null`);
    }
  }
  return next;
}

/** The effective configs: defaults overlaid by the explicit ones. */
export function effectiveTopicConfigs(explicit: Readonly<Record<string, string>>): Record<string, string> {
  return { ...EMBEDDED_TOPIC_DEFAULTS, ...explicit };
}

/** The policies of a `cleanup.policy` value. */
export function cleanupPolicies(configs: Readonly<Record<string, string>>): {
  delete: boolean;
  compact: boolean;
} {
  const parts = (configs['cleanup.policy'] ?? 'delete').split(',');
  return { delete: parts.includes('delete'), compact: parts.includes('compact') };
}
