/**
 * How the offline model words a tool result (docs/offline-model.md, "After tool results").
 */

/** Longest quoted value, in characters, before it is cut with `…`. */
export const MAX_QUOTE = 500;

const RESULT_KEYS = ['result', 'value', 'output', 'return'] as const;
const CONSOLE_KEYS = ['console', 'logs', 'stdout'] as const;
const ARTIFACT_KEYS = ['artifacts', 'artifact'] as const;
const REFERENCE_KEYS = ['ref', 'uri', 'url', 'key', 'id', 'name', 'path'] as const;

/**
 * One sentence or a few lines about one tool result. `content` is the JSON text of the result; text that is
 * not JSON is quoted as it is.
 *
 * - `{ error }` (a string, or an object with `message`) → `The tool NAME failed: MESSAGE`
 * - otherwise, each part present, in this order: `result` (or `value`, `output`, `return`) → `NAME returned
 *   VALUE.`; `console` (or `logs`, `stdout`) → `Console output:` and one line per entry; `artifacts` (or
 *   `artifact`) → `Artifact: REF` per artifact, REF its `ref`, `uri`, `url`, `key`, `id`, `name` or `path`
 * - none of those → `NAME returned CONTENT.`
 *
 * A turn's tool message is the envelope `{ status, output, artifact, error }`; when its `output` is an object,
 * that object's fields are read in its place (so `run_javascript`'s `{ result, console }` reads as a result
 * and console lines, not as one JSON value).
 */
export function summariseToolResult(name: string, content: string): string {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return `${name} returned ${quote(content)}.`;
  }
  if (!isObject(json)) return `${name} returned ${quote(show(json))}.`;
  const parsed = unwrapEnvelope(json);

  const error = parsed.error;
  if (error !== undefined && error !== null && error !== false) {
    const message = isObject(error) && typeof error.message === 'string' ? error.message : show(error);
    return `The tool ${name} failed: ${quote(message)}`;
  }

  const lines: string[] = [];
  const resultKey = RESULT_KEYS.find((key) => key in parsed);
  const consoleKey = CONSOLE_KEYS.find((key) => key in parsed);
  const artifactKey = ARTIFACT_KEYS.find((key) => key in parsed);
  if (resultKey) lines.push(`${name} returned ${quote(show(parsed[resultKey]))}.`);
  else if (consoleKey || artifactKey) lines.push(`${name} ran.`);

  if (consoleKey) {
    const entries = consoleLines(parsed[consoleKey]);
    if (entries.length > 0) lines.push('Console output:');
    else if (!resultKey) lines.push('Console output: none.');
    for (const entry of entries) lines.push(quote(entry));
  }
  if (artifactKey) {
    const value = parsed[artifactKey];
    for (const artifact of Array.isArray(value) ? value : [value]) {
      lines.push(`Artifact: ${quote(reference(artifact))}`);
    }
  }
  if (lines.length === 0) lines.push(`${name} returned ${quote(show(parsed))}.`);
  return lines.join('\n');
}

const STATUSES = new Set(['ok', 'error', 'timeout', 'rejected']);

/** `{ status, output: {…}, artifact?, error? }` (a turn's tool message) → the output's fields, plus the rest. */
function unwrapEnvelope(parsed: Record<string, unknown>): Record<string, unknown> {
  if (typeof parsed.status !== 'string' || !STATUSES.has(parsed.status) || !isObject(parsed.output)) {
    return parsed;
  }
  const { status: _status, output, ...rest } = parsed;
  return { ...output, ...rest };
}

function consoleLines(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : value.replace(/\n$/, '').split('\n');
  if (!Array.isArray(value)) return value === undefined || value === null ? [] : [show(value)];
  return value.map((entry) => {
    if (typeof entry === 'string') return entry;
    if (isObject(entry)) {
      const text = entry.text ?? entry.message ?? entry.args;
      const shown = Array.isArray(text) ? text.map((part) => show(part)).join(' ') : show(text ?? entry);
      return typeof entry.level === 'string' ? `[${entry.level}] ${shown}` : shown;
    }
    return show(entry);
  });
}

function reference(artifact: unknown): string {
  if (!isObject(artifact)) return show(artifact);
  const key = REFERENCE_KEYS.find((candidate) => typeof artifact[candidate] === 'string');
  return key ? (artifact[key] as string) : show(artifact);
}

/** Strings as they are, everything else as compact JSON. */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}

function quote(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
