import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { ConfigVersionRecord, ConfigVersions, NewConfigVersion } from './config-versions.js';
import { checkText, toDate } from './sql-helpers.js';

interface VersionRow {
  scope: string;
  version: string | number;
  state: string;
  checksum: string;
  updated_at: Date;
}

const MAX_STATE_BYTES = 1024 * 1024;
const CHECKSUM = /^[0-9a-f]{64}$/;

function checkVersion(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidInputError(`${name} must be an integer of at least ${min}, got ${String(value)}`);
  }
  return value;
}

/** {@link ConfigVersions} over PGlite or a Postgres server (table `soma_config_versions`, migration 0009). */
export class SqlConfigVersions implements ConfigVersions {
  constructor(private readonly client: SqlClient) {}

  async get(scope: string): Promise<ConfigVersionRecord | undefined> {
    const { rows } = await this.client.query<VersionRow>(
      'SELECT scope, version, state, checksum, updated_at FROM soma_config_versions WHERE scope = $1',
      [checkId('scope', scope)],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      scope: row.scope,
      version: Number(row.version),
      state: row.state,
      checksum: row.checksum,
      updatedAt: toDate(row.updated_at),
    };
  }

  async advance(scope: string, expected: number, next: NewConfigVersion): Promise<boolean> {
    checkId('scope', scope);
    checkVersion('expected version', expected, 0);
    checkVersion('version', next?.version, expected + 1);
    checkText('config state', next.state, MAX_STATE_BYTES);
    if (typeof next.checksum !== 'string' || !CHECKSUM.test(next.checksum)) {
      throw new InvalidInputError('checksum must be 64 lowercase hex digits (SHA-256)');
    }
    const params = [scope, next.version, next.state, next.checksum];
    // Compare-and-set: a concurrent writer makes the INSERT a no-op or the UPDATE match no row.
    const { rowCount } =
      expected === 0
        ? await this.client.query(
            `INSERT INTO soma_config_versions (scope, version, state, checksum) VALUES ($1, $2, $3, $4)
             ON CONFLICT (scope) DO NOTHING`,
            params,
          )
        : await this.client.query(
            `UPDATE soma_config_versions SET version = $2, state = $3, checksum = $4, updated_at = now()
             WHERE scope = $1 AND version = $5`,
            [...params, expected],
          );
    return rowCount === 1;
  }
}
