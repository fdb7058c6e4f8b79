import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The nearest `CHANGELOG.md` in `dir` or one of its parents, or null. */
export function findChangelog(dir: string): string | null {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, 'CHANGELOG.md');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** The text of the `## [Unreleased]` section of a Keep-a-Changelog file, or '' when it has none. */
export function unreleasedSection(changelog: string): string {
  const lines = readFileSync(changelog, 'utf8').split(/\r?\n/);
  const start = lines.findIndex((line) => /^##\s*\[?unreleased\]?/i.test(line.trim()));
  if (start < 0) return '';
  const end = lines.findIndex((line, i) => i > start && /^##\s/.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}
