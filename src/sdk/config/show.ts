import type { ResolvedConfig, ValueOrigin } from './resolve.js';
import { CONFIG_KEYS } from './schema.js';

/** One row of `somaagent config show`. */
export interface ConfigRow {
  readonly key: string;
  /** The value as text, secrets masked. */
  readonly value: string | null;
  readonly source: ValueOrigin['source'];
  /** The flag, variable or file that set it. */
  readonly from: string;
  readonly env: string;
  readonly description: string;
}

const MASK = '********';

/** Masks the password of a URL, if any. */
export function maskUrl(text: string): string {
  try {
    const url = new URL(text);
    if (!url.password) return text;
    url.password = MASK;
    return url.toString();
  } catch {
    return text;
  }
}

/** Reads a dotted key from a nested object. */
export function valueAt(config: object, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}

/** The configuration as rows for people and `--json`, every secret masked. */
export function describeConfig(resolved: ResolvedConfig): ConfigRow[] {
  return CONFIG_KEYS.map((definition) => {
    const value = valueAt(resolved.config, definition.key);
    let shown: string | null;
    if (value === undefined) shown = null;
    else if (definition.secret) shown = MASK;
    else if (definition.format) shown = definition.format(value as never);
    else if (Array.isArray(value)) shown = value.join(',');
    else shown = maskUrl(String(value));
    const origin = resolved.origins[definition.key] ?? { source: 'default', from: 'default' };
    return {
      key: definition.key,
      value: shown,
      source: origin.source,
      from: origin.from,
      env: definition.env,
      description: definition.description,
    };
  });
}
