import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `schemas/kafka` directory shipped with the package (the same path from `src/` and `dist/`). */
export const KAFKA_SCHEMAS_DIR = fileURLToPath(new URL('../../../../schemas/kafka/', import.meta.url));

/** Name of the directory, inside a schema directory, holding the released versions of each schema. */
export const HISTORY_DIR = 'history';

/** A released version of a schema: `history/<name>/v<N>.avsc`. */
export interface HistoryFile {
  readonly version: number;
  readonly file: string;
}

/** The `.avsc` files directly inside `dir`, sorted by name, as `{ name, file }` (name = file name less `.avsc`). */
export function listSchemaFiles(dir: string): Array<{ name: string; file: string }> {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.avsc'))
    .map((entry) => ({ name: entry.name.slice(0, -'.avsc'.length), file: join(dir, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The released versions of schema `name` (`<dir>/history/<name>/v<N>.avsc`), oldest first; other files
 * there are ignored.
 */
export function listHistoryFiles(dir: string, name: string): HistoryFile[] {
  const folder = join(dir, HISTORY_DIR, name);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((file) => /^v(\d+)\.avsc$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ version: Number(match[1]), file: join(folder, match[0]) }))
    .sort((a, b) => a.version - b.version);
}
