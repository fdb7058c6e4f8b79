const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)$/;

/** True when `text` is written as a duration (`0d` included) even if it is not above zero. */
export function looksLikeDuration(text: string): boolean {
  return DURATION.test(text.trim());
}

/**
 * Parses a duration such as `500ms`, `30s`, `15m`, `24h`, `7d`, `2w` or `1y` (365 days) into
 * milliseconds. Returns `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (UNITS[match[2] as string] as number);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}

/** Formats milliseconds as the largest whole unit that divides it: 7 days → `7d`, 365 days → `1y`. */
export function formatDuration(ms: number): string {
  for (const unit of ['y', 'd', 'h', 'm', 's'] as const) {
    const size = UNITS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
